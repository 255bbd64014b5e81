"""The certificate's column and filter in the registry list (``practitioners.list_extensions``).

Registered by ``EhealthCertsConfig.ready()``. The column shows each record's certificate status as
a badge, from one query for the whole page (``selectors.attach_certificate_status``); the filter
keeps the records whose certificate has the chosen status (``selectors.with_certificate_status``).
"""
from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from practitioners.list_extensions import Column, Filter

from ehealth_certs import selectors
from ehealth_certs.templatetags.ehealth_certificates import badge_texts, certificate_badge


def _badges():
    """The badge of each row, with the texts translated once for the page."""
    texts = badge_texts()
    return lambda record: certificate_badge(record, texts)


def _with_status(queryset, value: str):
    return selectors.with_certificate_status(queryset).filter(certificate_status=value)


COLUMN = Column(
    header=_("eHealth certificate"), css_class="certificate-status", attach=selectors.attach_certificate_status, cells=_badges
)
FILTER = Filter(name="certificate", label=_("eHealth certificate"), choices=selectors.STATUS_CHOICES, apply=_with_status)
