from django.apps import AppConfig


class OxygenConfig(AppConfig):
    name = "oxygen"
    verbose_name = "eHealth Oxygen"

    def ready(self) -> None:
        from . import checks  # noqa: F401  registers the project's system checks
