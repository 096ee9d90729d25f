"""``attain serve``: the web app on a multi-threaded production WSGI server (waitress), with
the background worker for long jobs (runs, imports) in the same process.

The worker is a thread, not a second process, because the embedded DuckDB warehouse allows
one process per file: running both in one process means a run started from a page never
meets a lock held by the server.
"""

from __future__ import annotations

import threading
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand


def start_worker() -> threading.Thread:
    from django.utils.crypto import get_random_string
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(queue_names=["*"], interval=0.5, batch=False, backend_name="default",
                    startup_delay=False, max_tasks=None, worker_id=get_random_string(20),
                    excluded_queue_names=[])
    thread = threading.Thread(target=worker.run, name="attain-worker", daemon=True)
    thread.start()
    return thread


def warm_caches() -> threading.Thread:
    """Read the slow, cached page parts once at start, so the first visitor does not wait."""
    def warm() -> None:
        import datetime as dt
        import logging

        from attain.payouts import estimator
        from attain.web import kpis
        try:
            kpis.dashboard(dt.date.today())
        except Exception:  # an empty warehouse must not stop the server
            logging.getLogger("attain").info("dashboard not warmed", exc_info=True)
        try:  # each published plan's estimator compiled before the first rep asks
            estimator.warm()
        except Exception:
            logging.getLogger("attain").info("estimator not warmed", exc_info=True)

    thread = threading.Thread(target=warm, name="attain-warm", daemon=True)
    thread.start()
    return thread


class Command(BaseCommand):
    help = "Serve Attain (default http://127.0.0.1:8000) with its background worker."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to listen on")
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true",
                            help="do not work the job queue in this process")

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from attain.wsgi import application

        if not options["no_worker"] and "DatabaseBackend" in settings.TASKS["default"]["BACKEND"]:
            start_worker()
        warm_caches()
        host, _, port = str(options["addr"]).rpartition(":")
        serve(application, host=host or "127.0.0.1", port=int(port), threads=options["threads"],
              ident="attain")
