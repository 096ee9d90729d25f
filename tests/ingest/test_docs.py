"""docs/import-formats.md says what the importer checks, and is exactly the generated page."""

from __future__ import annotations

from pathlib import Path

from attain.ingest import docs, kinds

DOCS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "import-formats.md"


def test_the_page_lists_every_kind_column_and_example() -> None:
    page = docs.render_import_formats_markdown()
    assert "attain docs" in page.splitlines()[0]
    for kind in kinds.KINDS:
        assert f"\n## {kind.name}\n\n{kind.doc}\n" in page
        assert "```csv\n" + kind.example.rstrip("\n") + "\n```" in page
        for field in kind.fields:
            assert f"| `{field.name}` |" in page, f"{kind.name}.{field.name}"


def test_a_column_row_gives_type_requirement_rule_reference_and_meaning() -> None:
    page = docs.render_import_formats_markdown()
    assert ("| `discount` | rate: up to 6 decimal places, e.g. 0.25 | yes | "
            "must be between 0 and 1 (a fraction of the list price: 0.1 is 10%) |  | "
            "Discount as a fraction of list, 0 to 1. |") in page
    assert ("| `currency` | text | yes | a known ISO 4217 code, e.g. `USD` |  | ISO 4217 code "
            "of the amounts on this row. |") in page
    assert "- `end_on` must not be before `start_on`\n" in page
    assert ("| `team` | text | no |  | `teams.code` | Team code the person belongs to. |"
            ) in page
    assert "- `salesforce_opportunities.yaml`: Salesforce opportunity report" in page


def test_every_rule_reads_in_plain_words_not_sql() -> None:
    # a check added without words would show (and be reported) as SQL: every field check
    # and row check of every kind has its words, and none of them is SQL
    for kind in kinds.KINDS:
        for check in [field.check for field in kind.fields
                      if field.check and not field.is_currency] + list(kind.checks):
            words = kinds.rule_words(check)
            assert not any(sql in words for sql in (" IS NULL", " OR ", " AND ", ">=", "<=",
                                                    "regexp", "SIMILAR")), (kind.name, words)
    page = docs.render_import_formats_markdown()
    assert "SIMILAR TO" not in page and "IS NULL OR" not in page


def test_docs_import_formats_md_is_the_generated_page() -> None:
    assert DOCS_PAGE.read_text(encoding="utf-8") == docs.render_import_formats_markdown(), (
        "docs/import-formats.md is out of date: run `attain docs` and commit it")


def test_write_puts_the_page_where_it_is_asked(tmp_path: Path) -> None:
    target = docs.write_import_formats_markdown(tmp_path / "formats.md")
    assert target.read_text(encoding="utf-8") == docs.render_import_formats_markdown()
    assert docs.default_path() == DOCS_PAGE
