"""``attain docs``: regenerate the reference pages that are generated from code."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from attain.warehouse.docs import write_warehouse_markdown


class Command(BaseCommand):
    help = "Regenerate docs/warehouse.md (and the other generated reference pages)."

    def handle(self, *args: Any, **options: Any) -> None:
        path = write_warehouse_markdown()
        self.stdout.write(f"wrote {path}")
