"""Connections per thread: the web server's threads and its job worker query the warehouse
at the same time without tripping over one another."""

from __future__ import annotations

import threading

import pyarrow as pa

from attain.warehouse import connection


def test_threads_get_their_own_connection_and_query_at_once(warehouse_url: str) -> None:
    backend = connection.connect(warehouse_url)
    backend.create_table("numbers", pa.table({"n": list(range(1, 20_001))}), overwrite=True)
    # sum of 1..20000 = 20000 × 20001 / 2 = 200,010,000
    results: list[int] = []
    failures: list[BaseException] = []
    seen: set[int] = set()

    def work() -> None:
        try:
            mine = connection.connect(warehouse_url)
            seen.add(id(mine))
            for _ in range(20):
                table = mine.table("numbers")
                results.append(int(table.n.sum().execute()))
        except BaseException as error:  # collected and asserted on below
            failures.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert results == [200_010_000] * 160
    assert len(seen) == 8 and id(backend) not in seen


def test_the_same_thread_reuses_its_connection(warehouse_url: str) -> None:
    assert connection.connect(warehouse_url) is connection.connect(warehouse_url)
