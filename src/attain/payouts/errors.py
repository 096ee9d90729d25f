"""The errors the payout services raise for people, with a message and no traceback.

Access refusals are Django's ``PermissionDenied`` (a 403 for pages and the API); everything
a person can fix (a wrong state, a missing reason) is a :class:`PayoutError`.
"""

from __future__ import annotations


class PayoutError(Exception):
    """A request the payout services refuse, with the reason in words."""
