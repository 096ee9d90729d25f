from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "attain.ingest"
    label = "ingest"
