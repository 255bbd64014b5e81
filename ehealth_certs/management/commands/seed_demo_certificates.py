"""`manage.py seed_demo_certificates`: demo eHealth certificates for the demo practice (bin/demo)."""
from __future__ import annotations

import shlex
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ehealth_certs.demo import CA_CERTIFICATE_FILE, DEMO_KEYSTORE_PASSWORD, seed_demo_certificates


class Command(BaseCommand):
    help = (
        "Create a demo acceptance CA, import demo certificates (valid, expiring, expired) for the demo "
        "practice, and leave renewed keystore files to try the upload page and finish a renewal. Needs EHEALTH_ENVIRONMENT=acceptance "
        "and EHEALTH_CA_BUNDLE_ACCEPTANCE pointing to FOLDER/ca-acceptance.pem (bin/demo sets both)."
    )
    # The CA bundle the checks look for is what this command creates.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--folder", default=str(settings.BASE_DIR / "var" / "demo"), help="demo files folder")

    def handle(self, *args, folder: str, **options):
        folder_path = Path(folder).resolve()
        bundle = folder_path / CA_CERTIFICATE_FILE
        configured = settings.EHEALTH_CA_BUNDLE_ACCEPTANCE
        if not settings.DEBUG:
            raise CommandError(_("DEBUG is off: demo certificates belong on a demo installation only."), returncode=2)
        if settings.EHEALTH_ENVIRONMENT != "acceptance" or not configured or Path(configured).resolve() != bundle:
            raise CommandError(
                _("Run it with EHEALTH_ENVIRONMENT=acceptance and EHEALTH_CA_BUNDLE_ACCEPTANCE=%(bundle)s.")
                % {"bundle": bundle},
                returncode=2,
            )
        report = seed_demo_certificates(folder_path)
        for name in report.imported:
            self.stdout.write(_("Demo certificate imported for %(name)s.") % {"name": name})
        for owner, path in report.upload_files.items():
            self.stdout.write("")
            login = owner.user.get_username() if owner.user_id else str(owner)
            self.stdout.write(self.style.SUCCESS(_("Renewed keystore of %(name)s (log in as %(login)s to import it):")
                                                 % {"name": owner, "login": login}))
            self.stdout.write(f"  {shlex.quote(str(path))}")
            self.stdout.write(_("  keystore password: %(password)s") % {"password": DEMO_KEYSTORE_PASSWORD})
