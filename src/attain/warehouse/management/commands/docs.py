"""``attain docs``: regenerate the reference pages that are generated from code.

Each app that generates a page has a ``docs`` module with a ``write_pages()`` function
returning the paths it wrote; this command calls them all, so adding a page touches only
the app that owns it.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Regenerate docs/warehouse.md, docs/metrics.md, docs/import-formats.md and the rest."

    def handle(self, *args: Any, **options: Any) -> None:
        for config in apps.get_app_configs():
            if not config.name.startswith("attain."):
                continue
            try:
                module = importlib.import_module(f"{config.name}.docs")
            except ModuleNotFoundError as missing:
                if missing.name != f"{config.name}.docs":
                    raise
                continue
            for path in module.write_pages():
                self.stdout.write(f"wrote {path}")
