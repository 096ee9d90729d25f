from django.apps import AppConfig


class ForecastConfig(AppConfig):
    name = "attain.forecast"
    label = "forecast"
