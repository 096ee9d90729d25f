from django.apps import AppConfig


class PayoutsConfig(AppConfig):
    name = "attain.payouts"
    label = "payouts"
