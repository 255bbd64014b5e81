from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API for other programs")

    def ready(self):
        # The audit log reads a token's scopes in words; it must not import the API, so the API tells it.
        from audit.display import register_code_words

        from .models import Scope

        register_code_words("scopes", Scope.choices)
