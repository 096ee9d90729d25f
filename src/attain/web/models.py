"""What the pages remember about a user that is about showing, not about the business: how
they like dates and times written. Nothing here changes a figure."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DisplayPreference(models.Model):
    """A user's date format and time zone; blank means "not chosen": the date format then
    follows the browser's language and the time zone the server's (see web/display.py)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="display_preference")
    date_format = models.CharField(max_length=20, blank=True,
                                   help_text="A key of web.display.DATE_FORMATS.")
    time_zone = models.CharField(max_length=64, blank=True,
                                 help_text="An IANA time zone, e.g. Europe/Paris.")

    def __str__(self) -> str:
        return f"{self.user} · {self.date_format or 'browser'} · {self.time_zone or 'server'}"
