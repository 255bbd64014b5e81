from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EhealthCertsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "ehealth_certs"
    verbose_name = _("eHealth certificates")

    def ready(self) -> None:
        """Plugs the certificates into the registry list and /healthz, through their extension points."""
        from oxygen import health
        from practitioners import list_extensions

        from ehealth_certs import conf  # noqa: F401  registers the CA bundles' system check
        from ehealth_certs import registry_list
        from ehealth_certs.reminders import health as reminder_health

        list_extensions.add_column(registry_list.COLUMN)
        list_extensions.add_filter(registry_list.FILTER)
        for name, check in reminder_health.CHECKS.items():
            health.register(name, check)
