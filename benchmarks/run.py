"""Run every benchmark in turn (``make bench``); each prints its figures and its baseline.

    python -m benchmarks.run [--quick]

``--quick`` runs each at a tenth of its stated scale, to check they work.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

BENCHMARKS: list[tuple[str, list[str], list[str]]] = [
    # module, arguments at full scale, arguments with --quick
    ("benchmarks.demo_data", [], ["--transactions", "1000000", "--people", "1000"]),
    ("benchmarks.engine", [], ["--transactions", "1000000", "--people", "1000"]),
    ("benchmarks.ingest", [], ["--rows", "100000"]),
    ("benchmarks.metrics", [], ["--transactions", "1000000", "--people", "1000"]),
    ("benchmarks.targets", [], ["--reps", "1000"]),
    ("benchmarks.payouts", [], ["--transactions", "1000000", "--people", "1000"]),
    ("benchmarks.web", [], ["--users", "5", "--seconds", "3"]),
    ("benchmarks.engage", ["--build"], ["--build", "--repeat", "2"]),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    failed = []
    for module, full, quick in BENCHMARKS:
        print(f"\n=== {module}", flush=True)
        done = subprocess.run([sys.executable, "-m", module, *(quick if args.quick else full)],
                              check=False)
        if done.returncode != 0:
            failed.append(module)
    if failed:
        sys.exit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
