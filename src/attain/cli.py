"""The ``attain`` console script.

``attain demo``, ``attain run``, ``attain import`` … are Django management commands that
live in the app that owns them; this script only points Django at Attain's settings, so
``attain X`` and ``python -m django X`` are the same thing.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attain.settings")
    from django.core.management import execute_from_command_line

    args = ["attain", *(sys.argv[1:] if argv is None else argv)]
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
