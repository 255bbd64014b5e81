"""The certificate pages' forms: keystore upload, password change, revocation, renewal steps.

Password fields never re-display what was typed. The password rules are checked here with
``keystore.password_policy`` (the same rules the page checks live with password_policy.js).
"""
from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ehealth_certs.keystore import password_policy
from ehealth_certs.keystore_text import failed_password_rules
from ehealth_certs.lifecycle.keystore_import import clean_file_name, read_capped
from ehealth_certs.lifecycle import revocation
from ehealth_certs.lifecycle.revocation import REASON_TEXT_MAX_LENGTH
from ehealth_certs.models import RenewalStep, RevocationReason

PASSWORD_MAX_LENGTH = 1024


class KeystoreUploadForm(forms.Form):
    keystore = forms.FileField(
        label=_("Keystore file"),
        help_text=_("The .p12 file (or .acc-p12 for the acceptance environment) made by the eHealth Certificate Manager."),
        widget=forms.ClearableFileInput(attrs={"accept": ".p12,.acc-p12,.pfx"}),
        allow_empty_file=True,
    )
    password = forms.CharField(
        label=_("Keystore password"),
        help_text=_("The password you chose when you requested the certificate. It is only used to open the file now, never stored."),
        strip=False,
        max_length=PASSWORD_MAX_LENGTH,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )

    def clean_keystore(self):
        """Read the upload (at most one byte more than a keystore may have: validation reports too_large)."""
        upload = self.cleaned_data["keystore"]
        upload.seek(0)
        self.keystore_bytes = read_capped(upload)
        self.keystore_name = clean_file_name(upload.name)
        return upload


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
            for rule in failed_password_rules(new, confirmation if confirmation is not None else ""):
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

    def add_refusal(self, refused) -> None:
        """The field errors of ``revocation.revoke_certificate``'s ``Refused(INVALID)``, in words."""
        for field, codes in refused.params["field_errors"].items():
            for code in codes:
                self.add_error(field, revocation_error_message(code, refused.params))


def revocation_error_message(code: str, params: dict) -> str:
    """The words for a field error code of a refused revocation."""
    if code == revocation.REASON_MISSING:
        return _("Choose the reason of the revocation.")
    if code == revocation.REASON_TEXT_MISSING:
        return _("Describe the reason of the revocation.")
    if code == revocation.REASON_TEXT_TOO_LONG:
        return _("Keep the reason under %(max)d characters.") % {"max": REASON_TEXT_MAX_LENGTH}
    if code == revocation.DATE_IN_FUTURE:
        return _("The revocation date cannot be in the future: record the revocation once it is done at eHealth.")
    return _("The revocation date cannot be before the certificate was issued (%(date)s).") % {
        "date": params["issued"].strftime("%d/%m/%Y")
    }


class RenewalStepForm(forms.Form):
    step = forms.ChoiceField(choices=RenewalStep.choices)
    done = forms.TypedChoiceField(choices=(("1", "1"), ("0", "0")), coerce=lambda value: value == "1")
