"""``attain serve``: the web app on a multi-threaded production WSGI server (waitress)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Attain (default http://127.0.0.1:8000)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from attain.wsgi import application

        host, _, port = str(options["addr"]).rpartition(":")
        serve(application, host=host or "127.0.0.1", port=int(port), threads=options["threads"],
              ident="attain")
