"""What the API tests share: a client holding a user's token, and a rep the manager cannot see."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from attain.api import tokens
from attain.org.models import Person
from attain.web import access


def token_client(username: str) -> Client:
    """A client that authenticates as the demo user by a bearer token, as an integration would."""
    user = Person.objects.get(user__username=username).user
    return Client(HTTP_AUTHORIZATION=f"Bearer {tokens.issue(user, 'tests')}")


def outsider(day: dt.date) -> Person:
    """A rep outside the demo manager's people on the day (and not the demo rep)."""
    manager = Person.objects.get(user__username="manager")
    team = access.visible_people(manager.user, day) or set()
    found = (Person.objects.filter(role="rep").exclude(employee_id__in=team)
             .exclude(user__username="rep").first())
    assert found is not None
    return found
