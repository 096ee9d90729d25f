"""Issue, check and revoke API tokens (plain functions; the command and pages call them)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from attain.api.models import ApiToken
from attain.core import audit

PREFIX = "attain_"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(user: Any, name: str, *, actor: Any = None) -> str:
    """Create a token for ``user`` and return its secret (the only time it is readable)."""
    secret = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name, prefix=secret[:12],
                                        digest=_digest(secret))
        audit.record(actor=actor or user, action="create", obj=token,
                     after={"user": user.username, "name": name, "prefix": token.prefix})
    return secret


def user_for(secret: str) -> Any | None:
    """The active user a secret belongs to, or None (unknown, revoked, or inactive user)."""
    token = (ApiToken.objects.select_related("user")
             .filter(digest=_digest(secret), revoked_at__isnull=True).first())
    if token is None or not token.user.is_active:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user


def revoke(token: ApiToken, *, actor: Any) -> None:
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="revoke", obj=token)
