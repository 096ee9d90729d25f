"""The import page: a file with an error loads nothing and its report names the row, column,
value and reason; a good file loads; only sales ops may import."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from attain.core.models import Job
from attain.warehouse import connection

pytestmark = pytest.mark.django_db
SignIn = Callable[[str], Client]

GOOD = ("product_id,name,family,list_price,unit_cost,currency,is_recurring\n"
        "PX1,Cloud Suite XL,Cloud,12000.00,1800.00,USD,true\n"
        "PX2,Onboarding Plus,Services,2500.00,1500.00,USD,false\n")
# row 3 (the header is row 1) has a price that is not a number
BAD = GOOD.replace("2500.00,1500.00", "twenty-five,1500.00")


def _products(warehouse: str) -> set[str]:
    table = connection.connect(warehouse).table("products")
    return set(table.product_id.to_pyarrow().to_pylist())


def _upload(client: Client, text: str, name: str = "products.csv", **extra: str) -> Job:
    response = client.post("/imports/", {"kind": "products", **extra,
                                         "file": SimpleUploadedFile(name, text.encode())})
    assert response.status_code == 302, response.content[:500]
    return Job.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))


def test_a_bad_file_loads_nothing_and_the_page_says_where(calculated: str, warehouse: str,
                                                          signed_in: SignIn) -> None:
    admin = signed_in("admin")
    before = _products(warehouse)
    job = _upload(admin, BAD)
    assert job.status == "succeeded" and job.result["ok"] is False
    assert _products(warehouse) == before  # all or nothing
    page = admin.get(f"/jobs/{job.pk}/").content.decode()
    assert "<td>3</td><td>list_price</td><td><code>twenty-five</code></td>" in page
    report = admin.get(f"/jobs/{job.pk}/errors.csv").content.decode()
    assert report.splitlines()[0] == "file,row,column,value,reason"
    assert "products.csv,3,list_price,twenty-five," in report


def test_a_good_file_loads_and_a_dry_run_does_not(calculated: str, warehouse: str,
                                                  signed_in: SignIn) -> None:
    admin = signed_in("admin")
    dry = _upload(admin, GOOD, dry_run="on")
    assert dry.result["ok"] and "PX1" not in _products(warehouse)
    real = _upload(admin, GOOD)
    assert real.result["added"] == 2
    assert {"PX1", "PX2"} <= _products(warehouse)
    assert "2 added" in admin.get("/imports/").content.decode()


def test_choosing_no_kind_is_refused_with_a_reason(calculated: str, signed_in: SignIn) -> None:
    response = signed_in("admin").post("/imports/", {
        "kind": "", "file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n")})
    assert response.status_code == 422 and "choose what the file holds" in \
        response.content.decode()


def test_only_sales_ops_import(calculated: str, signed_in: SignIn) -> None:
    for username in ("finance", "manager", "rep", "executive"):
        response = signed_in(username).post("/imports/", {
            "kind": "products", "file": SimpleUploadedFile("p.csv", GOOD.encode())})
        assert response.status_code == 403
    assert not Job.objects.exists()
