"""The JSON API (django-ninja): the same services and the same access rule as the pages."""
