from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "attain.org"
    label = "org"
