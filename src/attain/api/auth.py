"""How an API caller proves who they are: a bearer token, or the browser's session.

Session callers go through Django's CSRF check on unsafe methods (django-ninja's
``django_auth``), so a page's htmx call and a script's token call meet the same rules.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from attain.api import tokens


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any | None:
        user = tokens.user_for(token)
        if user is not None:
            request.user = user
        return user


AUTH = [BearerToken(), django_auth]
