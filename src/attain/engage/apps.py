from django.apps import AppConfig


class EngageConfig(AppConfig):
    name = "attain.engage"
    label = "engage"
