"""`manage.py demo_ready URL MAILS`: bin/demo's last words, in the shell's language."""
from __future__ import annotations

import shlex

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Print where the demo's first reminder mails are and the address the demo runs at (bin/demo)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("url", help="the address the demo runs at")
        parser.add_argument("mails", help="the file holding the first scan's console mails")

    def handle(self, *args, url: str, mails: str, **options):
        self.stdout.write(_("Expiry reminders sent by the first scan: %(file)s") % {"file": shlex.quote(mails)})
        self.stdout.write("")
        self.stdout.write(
            self.style.WARNING(
                _(
                    "Demo only: DEBUG is on and stored keystores are encrypted with a key anyone can derive from "
                    "the public code. Never upload a real keystore here; a real installation sets the variables "
                    "of .env.example."
                )
            )
        )
        self.stdout.write(
            _("The read API for the practice's other programs is documented at %(url)s (log in first to try it).")
            % {"url": url.rstrip("/") + "/api/v1/docs"}
        )
        self.stdout.write(self.style.SUCCESS(_("The app runs at %(url)s (Ctrl+C stops it).") % {"url": url}))
