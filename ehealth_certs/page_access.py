"""Who reaches the certificate pages of a record: the mixin the certificate and life-cycle pages share.

Not in ``views``: views modules are imported by URL modules only (the import contracts in pyproject.toml).
"""
from __future__ import annotations

from practitioners.access import PractitionerAccessMixin

from ehealth_certs import access, selectors


class CertificateManagerMixin(PractitionerAccessMixin):
    """The record's practitioner and administrators."""

    def test_func(self) -> bool:
        return access.can_manage_certificate(self.request.user, self.get_practitioner())

    def get_context_data(self, **kwargs):
        practitioner = self.get_practitioner()
        kwargs.setdefault("practitioner", practitioner)
        kwargs.setdefault("status", selectors.certificate_status(practitioner))
        return super().get_context_data(**kwargs)
