from django.apps import AppConfig


class WarehouseConfig(AppConfig):
    name = "attain.warehouse"
    label = "warehouse"
