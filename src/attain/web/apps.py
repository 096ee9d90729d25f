from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "attain.web"
    label = "web"

    def ready(self) -> None:
        from attain.web import jobs  # noqa: F401  (registers the job kinds)
