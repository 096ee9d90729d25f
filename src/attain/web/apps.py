from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "attain.web"
    label = "web"
