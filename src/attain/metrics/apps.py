from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "attain.metrics"
    label = "metrics"
