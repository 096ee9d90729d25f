"""An import killed while it writes leaves the warehouse exactly as it was: never half a file.

The import runs in a real child process. There, the load session's merge (the statement
that writes the rows, see :mod:`attain.warehouse.load`) is wrapped so that it runs for real,
counts the rows its own transaction now sees, and then the process kills itself with
SIGKILL, before the commit. Nothing is timed or raced, so the kill always lands inside the
write transaction, on DuckDB (uncommitted work never reaches the file) and on PostgreSQL
(the server rolls back the dead session's transaction) alike.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from attain.ingest import kinds
from attain.warehouse import connection, load
from tests.ingest.helpers import run

pytestmark = pytest.mark.django_db

CHILD = """
import os, signal, sys
from pathlib import Path
os.environ["DJANGO_SETTINGS_MODULE"] = "attain.settings"
import django
django.setup()
from attain.ingest import services
from attain.warehouse import load

marker = Path(sys.argv[2])

def dying(real):
    def merge(self, table, staged, **options):
        real(self, table, staged, **options)
        [(seen,)] = self.rows(f'SELECT count(*) FROM "{table.name}"')
        marker.write_text(str(seen))
        os.kill(os.getpid(), signal.SIGKILL)
    return merge

for session in (load._DuckDBSession, load._PostgresSession):
    session.merge = dying(session.merge)
services.import_file("products", sys.argv[1], warehouse_url=sys.argv[3])
"""


def test_an_import_killed_inside_its_write_transaction_leaves_the_warehouse_as_it_was(
        warehouse: str, tmp_path: Path) -> None:
    assert run("products", tmp_path, kinds.get("products").example).added == 2
    before = load.fingerprint(url=warehouse, tables=["products"])
    rows = 5_000
    big = tmp_path / "big.csv"
    with open(big, "w") as handle:
        handle.write("product_id,name,family,list_price,unit_cost,currency,is_recurring\n")
        handle.writelines(f"Q{n},Item {n},Cloud,{n}.50,1.00,USD,false\n" for n in range(rows))
    connection.disconnect(warehouse)  # the child must be able to open a DuckDB file
    marker = tmp_path / "marker"
    env = {**os.environ, "ATTAIN_VAR_DIR": str(tmp_path / "child-var")}
    env.pop("ATTAIN_DATABASE_URL", None)  # the child's app database: its own SQLite file
    child = subprocess.run([sys.executable, "-c", CHILD, str(big), str(marker), warehouse],
                           env=env, capture_output=True, text=True, timeout=300)
    assert child.returncode == -signal.SIGKILL, child.stderr
    # inside its transaction the child saw the 2 example products and the 5,000 new ones
    assert marker.read_text() == str(2 + rows)
    assert load.table_counts(url=warehouse)["products"] == 2
    assert load.fingerprint(url=warehouse, tables=["products"]) == before
