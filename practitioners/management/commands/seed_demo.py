"""`manage.py seed_demo`: load the demo practice (idempotent) and print the demo logins."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from practitioners.roles import ROLE_LABELS
from practitioners.demo import seed_demo_practice


class Command(BaseCommand):
    help = (
        "Load a demo practice: treatment-record types, a dozen practitioners with valid identifiers, "
        "and an administrator, a front-desk user and practitioner users with fixed demo passwords. "
        "Running it again adds nothing twice and resets the demo passwords."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="run even with DEBUG off (the demo accounts have publicly known passwords)",
        )

    def handle(self, *args, allow_production: bool = False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                _(
                    "DEBUG is off: the demo accounts have publicly known passwords. "
                    "Pass --allow-production if this really is a demo server."
                ),
                returncode=2,
            )
        report = seed_demo_practice()
        self.stdout.write(
            _("Practitioners: %(created)d created, %(existing)d already present.")
            % {"created": report.practitioners_created, "existing": report.practitioners_existing}
        )
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(_("Demo logins")))
        width = max(len(login.username) for login in report.logins)
        for login in report.logins:
            record = f"  ({login.practitioner})" if login.practitioner else ""
            self.stdout.write(
                _("  %(username)s  password: %(password)s  role: %(role)s%(record)s")
                % {
                    "username": login.username.ljust(width),
                    "password": login.password,
                    "role": ROLE_LABELS[login.role],
                    "record": record,
                }
            )
