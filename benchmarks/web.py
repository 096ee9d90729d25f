"""Benchmark: the web app under 50 concurrent users, against its own health check.

    python -m benchmarks.web [--users 50] [--seconds 30] [--think 1] [--threads 8] [--keep DIR]

Builds the demo company (``attain demo --no-serve`` in a private var folder; ``--keep DIR``
builds or reuses one there), asks its app database for the rep's employee id, one of the
demo manager's team (by the pages' own access rule) and the latest calculated period, and
starts ``attain serve`` (waitress, ``--threads``, 8 unless told) on a free port of 127.0.0.1
in its own process. The machine's load average is printed before and after the pages'
phase: other work on the same cores shows in every figure.

Once the server is idle (its start-up warming done), two timed phases of ``--seconds``
each, with the same number of users and the same think time: first every user asks for
``/healthz`` (the floor of the server stack on this machine: waitress and the Django
middleware, no page work), then every user signs in as one of the demo logins (rep,
manager, finance, admin, executive, in turn) and loops over its role's pages in PAGES:
home, plans, teams; the rep's own statement, a manager's view of a team member's
statement, the statements list for finance; people, runs and the audit log for those
allowed. One untimed pass per role over its pages warms the server first. Between requests
a user pauses ``--think`` seconds ± 50% like a person reading (``--think 0``: back to
back, which measures saturation instead).

It prints p50, p95 and p99 latency and requests per second, per role and page and over all
pages, next to the baseline, so a page's own cost reads as the difference; the target is
p95 < 200 ms. It never fails on time; it fails if any request answers other than 200.
It also prints the server process's CPU per request in each timed phase (from /proc): the
pages' own cost, which other work on the machine moves far less than it moves latency.

Client and server share this 2-core machine, so the client's own Python costs part of the
figures; the baseline pays the same. It does not take the machine-wide heavy lock itself:
run it under ``flock /tmp/attain-heavy.lock``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from benchmarks.common import print_table, run_main, timed

PAGES = {
    "rep": ["/", "/plans/", "/teams/", "/statements/{rep}/{period}/"],
    "manager": ["/", "/people/", "/plans/", "/teams/", "/statements/{member}/{period}/"],
    "finance": ["/", "/runs/", "/audit/", "/plans/", "/statements/?period={period}"],
    "admin": ["/", "/people/", "/runs/", "/plans/ae-plan/"],
    "executive": ["/", "/runs/", "/people/"],
}
"""Each role's pages; ``{rep}``, ``{member}`` and ``{period}`` are filled from the demo."""

_STATEMENT_FACTS = """
import json
from attain.engine.models import CalculationRun, RunStatus
from attain.org.models import Person
from attain.web import access
run = (CalculationRun.objects.filter(status=RunStatus.SUCCEEDED)
       .order_by("-period_end", "-started_at").first())
manager = Person.objects.get(user__username="manager")
team = sorted(access.visible_people(manager.user, run.period_end) - {manager.employee_id})
rep = Person.objects.get(user__username="rep")
print("FACTS " + json.dumps({"period": run.period, "rep": rep.employee_id, "member": team[0]}))
"""
PASSWORD = "attain-demo"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Session:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def _connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes, float]:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection = self._connection()
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, data, elapsed

    def sign_in(self, username: str) -> None:
        _status, page, _ = self.request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token on the sign-in page"
        body = urlencode({"username": username, "password": PASSWORD,
                          "csrfmiddlewaretoken": token.group(1).decode(), "next": "/"})
        status, _, _ = self.request("POST", "/login/", body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{self.port}/login/"})
        if status != 302:
            raise RuntimeError(f"sign-in as {username} answered {status}")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds process ``pid`` has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _settle(pid: int, limit: float = 180.0) -> float:
    """Wait until the server is idle (under 5% of a core over a second; at most ``limit``
    seconds): ``attain serve`` warms its caches in the background for its first half
    minute or so, which would otherwise be timed as the first phase's cost."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        before = _cpu_seconds(pid)
        time.sleep(1)
        if _cpu_seconds(pid) - before < 0.05:
            break
    return time.perf_counter() - started


def _load(port: int, users: int, seconds: float, pages: dict[str, list[str]] | None,
          think: float, server_pid: int
          ) -> tuple[dict[str, list[float]], dict[str, int], float, float]:
    """Run ``users`` threads for ``seconds``, each pausing ``think`` seconds (± 50%, so
    users do not march in step) between requests; ``pages`` None means the health check.
    Also returns the CPU seconds the server used in the timed part: unlike latency, that
    cost hardly moves with what else the machine is doing."""
    roles = list(PAGES)
    sessions = []
    for index in range(users):
        session = Session(port)
        if pages is not None:
            session.sign_in(roles[index % len(roles)])
        sessions.append((roles[index % len(roles)], session))
    for role, session in sessions[:len(roles)]:  # warm-up: caches filled, nothing timed
        for path in (pages or {}).get(role, []):
            session.request("GET", path)
    timings: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def user(role: str, session: Session) -> None:
        paths = pages[role] if pages is not None else ["/healthz"]
        step = 0
        jitter = random.Random(id(session))
        time.sleep(jitter.uniform(0, think))
        while time.perf_counter() < deadline:
            path = paths[step % len(paths)]
            step += 1
            status, _, elapsed = session.request("GET", path)
            name = path if pages is None else f"{role} {path}"
            with lock:
                if status != 200:
                    errors[f"{name} answered {status}"] = errors.get(
                        f"{name} answered {status}", 0) + 1
                timings.setdefault(name, []).append(elapsed)
            if think:
                time.sleep(jitter.uniform(think * 0.5, think * 1.5))

    threads = [threading.Thread(target=user, args=pair) for pair in sessions]
    cpu_before = _cpu_seconds(server_pid)
    with timed() as wall:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return timings, errors, wall.seconds, _cpu_seconds(server_pid) - cpu_before


def _row(name: str, samples: list[float], wall: float) -> dict[str, object]:
    ordered = sorted(samples)
    cuts = statistics.quantiles(ordered, n=100) if len(ordered) > 1 else ordered * 99
    return {"what": name, "requests": len(ordered), "req/s": len(ordered) / wall,
            "p50 ms": cuts[49] * 1000, "p95 ms": cuts[94] * 1000, "p99 ms": cuts[98] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--think", type=float, default=1.0,
                        help="seconds a user pauses between pages (0: back to back)")
    parser.add_argument("--threads", type=int, default=8, help="the server's waitress threads")
    parser.add_argument("--keep", type=Path, default=None, help="var folder to build/reuse")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="attain-bench-web-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "ATTAIN_VAR_DIR": str(folder)}
    env.pop("ATTAIN_DATABASE_URL", None)
    env.pop("ATTAIN_WAREHOUSE_URL", None)
    env.pop("ATTAIN_TASKS", None)
    attain = str(Path(sys.executable).with_name("attain"))
    with timed() as build:
        subprocess.run([attain, "demo", "--no-serve"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
    print(f"demo company ready in {build.seconds:.1f} s ({folder})")
    asked = subprocess.run([attain, "shell", "-c", _STATEMENT_FACTS], env=env, check=True,
                           capture_output=True, text=True)
    facts = json.loads(next(line for line in asked.stdout.splitlines()
                            if line.startswith("FACTS "))[len("FACTS "):])
    pages_to_time = {role: [path.format(**facts) for path in paths]
                     for role, paths in PAGES.items()}
    print(f"statements of {facts['period']}: the rep's ({facts['rep']}), "
          f"the manager's team member's ({facts['member']})")
    port = _free_port()
    log = (folder / "server.log").open("w")  # a pipe nobody reads would block the server
    server = subprocess.Popen([attain, "serve", "--addr", f"127.0.0.1:{port}",
                               "--threads", str(args.threads)], env=env, stdout=log, stderr=log)
    try:
        for _ in range(200):
            try:
                if Session(port).request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        print(f"server idle after its start-up work: waited {_settle(server.pid):.0f} s")
        base, base_errors, base_wall, base_cpu = _load(port, args.users, args.seconds, None,
                                                       args.think, server.pid)
        load_before = os.getloadavg()[0]
        pages, page_errors, page_wall, page_cpu = _load(
            port, args.users, args.seconds, pages_to_time, args.think, server.pid)
        load_after = os.getloadavg()[0]
    finally:
        server.terminate()
        server.wait(timeout=30)
    everything = [t for samples in pages.values() for t in samples]
    rows = [_row("baseline: /healthz", base["/healthz"], base_wall),
            _row("all pages", everything, page_wall)]
    rows += [_row(name, samples, page_wall) for name, samples in sorted(pages.items())]
    print_table(f"{args.users} concurrent users, {args.think:g} s think time, "
                f"{args.seconds:.0f} s each, {args.threads} server threads (client and server "
                f"on this machine; load average {load_before:.1f} -> {load_after:.1f})", rows)
    home = [t for name, samples in pages.items() if name.endswith(" /") for t in samples]
    print(f"role home pages: p95 {_row('', home, page_wall)['p95 ms']:.0f} ms "
          f"(target < 200 ms); health check p95 {rows[0]['p95 ms']:.0f} ms")
    served = len(everything)
    print(f"server CPU: {base_cpu * 1000 / len(base['/healthz']):.2f} ms a health check, "
          f"{page_cpu * 1000 / served:.1f} ms a page ({page_cpu / page_wall:.0%} of one core "
          f"over the pages' {page_wall:.0f} s)")
    failed = {**base_errors, **page_errors}
    if failed:
        sys.exit("requests failed: " + "; ".join(f"{what} ({count}×)"
                                                 for what, count in sorted(failed.items())))


if __name__ == "__main__":
    run_main(main)
