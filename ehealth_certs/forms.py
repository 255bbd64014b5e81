"""The keystore upload form. The password is never re-displayed."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import clean_file_name, read_capped

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
