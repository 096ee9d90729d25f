from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "attain.engine"
    label = "engine"
