"""Security of the web app as settings and as behaviour: HTTPS mode (secure cookies, redirect,
HSTS, the proxy header only when asked for), signing out, the health check, and CSRF on the
API's unsafe methods for a signed-in browser (not for a bearer token)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from typing import Any

import pytest
from django.conf import LazySettings
from django.test import Client

from attain.api import tokens
from attain.org.models import Person

pytestmark = pytest.mark.django_db

_READ_SETTINGS = """
import json
from attain import settings
names = ["SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
         "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER", "SECURE_REDIRECT_EXEMPT"]
print(json.dumps({name: getattr(settings, name, None) for name in names}))
"""


def _settings_under(**env: str) -> dict[str, Any]:
    """The security settings as a fresh process computes them from ``env`` (settings are
    read once at import, so a new interpreter is the honest way to see another setup)."""
    environ = {key: value for key, value in os.environ.items()
               if not key.startswith(("ATTAIN_HTTPS", "ATTAIN_HSTS", "ATTAIN_BEHIND",
                                      "ATTAIN_DEBUG"))}
    done = subprocess.run([sys.executable, "-c", _READ_SETTINGS], env={**environ, **env},
                          capture_output=True, text=True, check=True)
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_https_mode_sets_secure_cookies_redirect_and_hsts() -> None:
    found = _settings_under(ATTAIN_HTTPS="1")
    assert found["SESSION_COOKIE_SECURE"] is True and found["CSRF_COOKIE_SECURE"] is True
    assert found["SECURE_SSL_REDIRECT"] is True
    assert found["SECURE_HSTS_SECONDS"] == 31_536_000  # 365 × 24 × 3600: a year
    assert found["SECURE_REDIRECT_EXEMPT"] == ["^healthz$"]
    assert found["SECURE_PROXY_SSL_HEADER"] is None  # no proxy header trusted unless asked


def test_behind_a_proxy_its_forwarded_scheme_is_trusted_and_hsts_can_be_shortened() -> None:
    found = _settings_under(ATTAIN_HTTPS="1", ATTAIN_BEHIND_PROXY="1", ATTAIN_HSTS_SECONDS="300")
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert found["SECURE_HSTS_SECONDS"] == 300


def test_without_https_mode_nothing_is_forced() -> None:
    found = _settings_under(ATTAIN_BEHIND_PROXY="1")
    assert found["SECURE_SSL_REDIRECT"] is None and found["SECURE_HSTS_SECONDS"] is None
    assert found["SESSION_COOKIE_SECURE"] is None and found["SECURE_PROXY_SSL_HEADER"] is None


def _https_behind_proxy(settings: LazySettings) -> None:
    """The settings ``ATTAIN_HTTPS=1 ATTAIN_BEHIND_PROXY=1`` give (checked above)."""
    found = _settings_under(ATTAIN_HTTPS="1", ATTAIN_BEHIND_PROXY="1")
    for name, value in found.items():
        setattr(settings, name, tuple(value) if name == "SECURE_PROXY_SSL_HEADER" else value)


def test_in_https_mode_plain_http_is_redirected_but_the_health_check_is_not(
        settings: LazySettings, client: Client) -> None:
    _https_behind_proxy(settings)
    plain = client.get("/login/?next=/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/login/?next=/"
    assert client.get("/healthz").status_code == 200
    secure = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000"


def test_health_check_answers_without_signing_in_or_touching_the_database(
        client: Client, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "sessionid" not in response.cookies


def test_signing_out_ends_the_session(calculated: str, signed_in) -> None:  # type: ignore[no-untyped-def]
    client = signed_in("rep")
    assert client.get("/goals/").status_code == 200
    assert client.get("/logout/").status_code == 405  # a link cannot sign anyone out
    assert client.get("/goals/").status_code == 200
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    after = client.get("/goals/")
    assert after.status_code == 302 and after["Location"].startswith("/login/")
    assert client.get("/api/me").status_code == 401


def test_the_sign_out_button_is_a_form_with_a_csrf_token(calculated: str, signed_in) -> None:  # type: ignore[no-untyped-def]
    page = signed_in("rep").get("/goals/").content.decode()
    assert re.search(r'<form method="post" action="/logout/">'
                     r'<input type="hidden" name="csrfmiddlewaretoken" value="\w+">', page)


def _dispute(employee_id: str) -> str:
    return json.dumps({"employee_id": employee_id, "period": "FY2026-Q3", "line_number": 1,
                       "comment": "wrong rate"})


def test_the_api_asks_a_signed_in_browser_for_its_csrf_token(calculated: str) -> None:
    rep = Person.objects.get(user__username="rep")
    browser = Client(enforce_csrf_checks=True)
    assert rep.user is not None
    browser.force_login(rep.user)
    assert browser.get("/api/me").status_code == 200  # safe methods need no token
    refused = browser.post("/api/disputes", _dispute(rep.employee_id),
                           content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.content.decode()
    browser.get("/goals/")  # a page sets the CSRF cookie, as in a browser
    token = browser.cookies["csrftoken"].value
    accepted = browser.post("/api/disputes", _dispute(rep.employee_id),
                            content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200, accepted.content[:300]


def test_a_bearer_token_needs_no_csrf_token(calculated: str) -> None:
    rep = Person.objects.get(user__username="rep")
    script = Client(enforce_csrf_checks=True,
                    HTTP_AUTHORIZATION=f"Bearer {tokens.issue(rep.user, 'script')}")
    response = script.post("/api/disputes", _dispute(rep.employee_id),
                           content_type="application/json")
    assert response.status_code == 200, response.content[:300]
