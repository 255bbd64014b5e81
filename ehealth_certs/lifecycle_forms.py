"""Forms of the certificate life cycle: password change, revocation, renewal steps, eID PIN.

Password and PIN fields never re-display what was typed. The password rules are checked here
with ``password_policy`` (the same rules the page checks live with password_policy.js).
"""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import password_policy
from .forms import PASSWORD_MAX_LENGTH
from .models import RenewalStep, RevocationReason
from .revocation import REASON_TEXT_MAX_LENGTH
from .services import clean_file_name, read_capped


def _password_field(label, help_text="", *, autocomplete="off", policy=False) -> forms.CharField:
    attrs = {"autocomplete": autocomplete}
    if policy:
        attrs["data-password-policy"] = "new"
    return forms.CharField(
        label=label, help_text=help_text, strip=False, max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(render_value=False, attrs=attrs),
    )


class PasswordChangeForm(forms.Form):
    """Current, new and confirmation; the policy is checked on the new password and its confirmation."""

    current_password = _password_field(_("Current keystore password"), autocomplete="current-password")
    new_password = _password_field(
        _("New keystore password"), _("Keep it safe: without it the keystore cannot be used, only revoked."),
        autocomplete="new-password", policy=True,
    )
    confirmation = _password_field(_("Confirm the new password"), autocomplete="new-password")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirmation"].widget.attrs["data-password-policy"] = "confirmation"

    def clean(self):
        cleaned = super().clean()
        new, confirmation = cleaned.get("new_password"), cleaned.get("confirmation")
        if new is not None:
            for rule in password_policy.failed_checks(new, confirmation if confirmation is not None else ""):
                field = "confirmation" if rule.code == password_policy.CONFIRMATION else "new_password"
                self.add_error(field, rule.message)
        return cleaned


class UploadedPasswordChangeForm(PasswordChangeForm):
    """A keystore file that is not stored here, re-encrypted and handed back."""

    keystore = forms.FileField(
        label=_("Keystore file"),
        help_text=_("The .p12 file (or .acc-p12) from the keystore folder. It is not stored: you get the re-encrypted file back."),
        widget=forms.ClearableFileInput(attrs={"accept": ".p12,.acc-p12,.pfx"}),
        allow_empty_file=True,
    )
    field_order = ["keystore", "current_password", "new_password", "confirmation"]

    def clean_keystore(self):
        upload = self.cleaned_data["keystore"]
        upload.seek(0)
        self.keystore_bytes = read_capped(upload)
        self.keystore_name = clean_file_name(upload.name) or "keystore.p12"
        return upload


class RevocationForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=RevocationReason.choices, widget=forms.RadioSelect)
    reason_text = forms.CharField(
        label=_("Details"), required=False, max_length=REASON_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the reason is “other”."),
    )
    revocation_date = forms.DateField(
        label=_("Revoked on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The day the certificate was revoked in the eHealth Certificate Manager."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("revocation_date", timezone.localdate())
        super().__init__(*args, **kwargs)


class RenewalStepForm(forms.Form):
    step = forms.ChoiceField(choices=RenewalStep.choices)
    done = forms.TypedChoiceField(choices=(("1", "1"), ("0", "0")), coerce=lambda value: value == "1")


class EidProofForm(forms.Form):
    pin = forms.CharField(
        label=_("eID PIN"), strip=False, max_length=12,
        help_text=_("Only used by the card to sign a test challenge: never stored. Three wrong PINs block the card."),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
