from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "attain.targets"
    label = "targets"
