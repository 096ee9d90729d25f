from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "attain.api"
    label = "api"
