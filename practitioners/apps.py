from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PractitionersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "practitioners"
    verbose_name = _("Practitioner registry")

    def ready(self) -> None:
        from . import user_language  # noqa: F401  (connects the login receiver)
        from .roles import ensure_role_groups

        post_migrate.connect(ensure_role_groups, dispatch_uid="practitioners.ensure_role_groups")
