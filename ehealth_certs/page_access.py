"""Who reaches the certificate pages of a record: the mixin the certificate and life-cycle pages share.

Not in ``views``: views modules are imported by URL modules only (the import contracts in pyproject.toml).
"""
from __future__ import annotations

from oxygen.actors import ActorMixin
from practitioners.access import MANAGE_ANY_CERTIFICATE, PractitionerAccessMixin

from ehealth_certs import selectors


class CertificateManagerMixin(ActorMixin, PractitionerAccessMixin):
    """The record's practitioner and whoever may manage any certificate (``access.can_manage_certificate``);
    ``self.actor``: who acts, for the services."""

    permission = MANAGE_ANY_CERTIFICATE

    def get_context_data(self, **kwargs):
        practitioner = self.get_practitioner()
        kwargs.setdefault("practitioner", practitioner)
        kwargs.setdefault("status", selectors.certificate_status(practitioner))
        return super().get_context_data(**kwargs)
