from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EhealthCertsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ehealth_certs"
    verbose_name = _("eHealth certificates")

    def ready(self) -> None:
        from ehealth_certs import conf
