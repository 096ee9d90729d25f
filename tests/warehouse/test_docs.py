"""The warehouse reference page says everything the schema says, and the copy in docs/ is
exactly what the generator writes, so it cannot drift."""

from __future__ import annotations

from pathlib import Path

from attain.warehouse import docs, schema

DOCS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "warehouse.md"


def test_the_page_says_it_is_generated_and_from_where() -> None:
    first_line = docs.render_warehouse_markdown().splitlines()[0]
    assert "attain docs" in first_line
    assert "src/attain/warehouse/schema.py" in first_line


def test_the_page_mentions_every_table_and_column() -> None:
    page = docs.render_warehouse_markdown()
    for table in schema.TABLES:
        assert f"\n## {table.name}\n\n{table.doc}\n" in page
        for column in table.columns:
            assert f"| `{column.name}` |" in page, f"{table.name}.{column.name}"


def test_a_column_row_gives_type_requirement_rule_reference_and_meaning() -> None:
    page = docs.render_warehouse_markdown()
    assert (
        "| `discount` | DECIMAL(18, 6) (rate) | yes | `discount >= 0 AND discount <= 1` |  "
        "| Discount as a fraction of list, 0 to 1. |"
    ) in page
    assert (
        "| `lead_id` | VARCHAR | no |  | `leads.lead_id` | The lead it converted from. |"
    ) in page
    assert "one of `new`, `expansion`, `renewal`" in page
    assert "Primary key: `opportunity_id`, `entered_at`." in page
    assert "- `NOT is_won OR is_closed`" in page


def test_docs_warehouse_md_is_the_generated_page() -> None:
    assert DOCS_PAGE.read_text(encoding="utf-8") == docs.render_warehouse_markdown(), (
        "docs/warehouse.md is out of date: run `attain docs` (or "
        "attain.warehouse.docs.write_warehouse_markdown()) and commit it"
    )


def test_write_puts_the_page_where_it_is_asked(tmp_path: Path) -> None:
    target = docs.write_warehouse_markdown(tmp_path / "out" / "warehouse.md")
    assert target.read_text(encoding="utf-8") == docs.render_warehouse_markdown()
    assert docs.default_path() == DOCS_PAGE
