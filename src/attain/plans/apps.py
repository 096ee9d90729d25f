from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "attain.plans"
    label = "plans"
