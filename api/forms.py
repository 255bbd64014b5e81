"""The administrators' form for a new service token: its name, what it may read, its rate limit.

The model's rules decide (``ServiceToken.validate_constraints``): the name must not be the name of a
token that is still valid; a revoked token's name may be given again.
"""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import MAX_REQUESTS_PER_MINUTE, NO_SCOPE_MESSAGE, Scope, ServiceToken, scope_flags


def _model_field(name: str):
    return ServiceToken._meta.get_field(name)


class ServiceTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=_model_field("name").max_length, help_text=_model_field("name").help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    scopes = forms.MultipleChoiceField(
        label=_("May read"), choices=Scope.choices, initial=[Scope.REGISTRY], widget=forms.CheckboxSelectMultiple,
        error_messages={"required": NO_SCOPE_MESSAGE},
        help_text=_("The API only reads: a token never changes anything in the practice."),
    )
    requests_per_minute = forms.IntegerField(
        label=_("Requests per minute"), min_value=1, max_value=MAX_REQUESTS_PER_MINUTE,
        initial=_model_field("requests_per_minute").default, help_text=_model_field("requests_per_minute").help_text,
    )

    def clean(self):
        data = super().clean()
        if not self.errors:
            candidate = ServiceToken(
                name=data["name"], **scope_flags(data["scopes"]), requests_per_minute=data["requests_per_minute"]
            )
            try:
                candidate.validate_constraints()
            except ValidationError as error:
                # The fields already hold the scope and rate rules: what the model still refuses is
                # the name (a valid token has it), said next to the name.
                for field, messages in error.message_dict.items():
                    self.add_error(field if field in self.fields else "name", messages)
        return data
