"""The eID PIN form: the PIN is never re-displayed nor stored."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class EidProofForm(forms.Form):
    pin = forms.CharField(
        label=_("eID PIN"), strip=False, max_length=12,
        help_text=_("Only used by the card to sign a test challenge: never stored. Three wrong PINs block the card."),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
