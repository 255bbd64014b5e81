"""`manage.py practitioners import FILE` / `manage.py practitioners export FILE` (`-` for stdin/stdout).

Exit codes: 0 success, 1 the file is invalid (every error on stderr, nothing imported), 2 usage error.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from oxygen.errors import Refused
from practitioners.csv_refusals import file_refusal_errors
from practitioners.registry_csv import MAX_IMPORT_BYTES, export_practitioners_csv, import_practitioners_csv

USAGE_ERROR = 2
INVALID_FILE = 1


class Command(BaseCommand):
    help = "Import or export the practitioner registry as CSV."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,export}")
        importer = actions.add_parser("import", help="Validate a CSV file and import it (all rows or none).")
        importer.add_argument("file", help="CSV file (UTF-8, ';' or ',' separated), or - for stdin")
        importer.add_argument("--user", help="username recorded in the history as the author of the changes")
        exporter = actions.add_parser("export", help="Write the registry as ';'-separated UTF-8 CSV with a BOM.")
        exporter.add_argument("file", help="output file, or - for stdout")

    def handle(self, *args, action: str, file: str, **options):
        if action == "import":
            self._import(file, options.get("user"))
        else:
            self._export(file)

    def _import(self, file: str, username: str | None) -> None:
        user = None
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(_("No user named “%(name)s”.") % {"name": username}, returncode=USAGE_ERROR)
        data = self._read(file)
        try:
            report = import_practitioners_csv(data, actor=user)
            errors = report.errors
        except Refused as refused:
            errors = file_refusal_errors(refused)
        if errors:
            for error in errors:
                self.stderr.write(str(error))
            raise CommandError(
                ngettext("%(count)d error: nothing was imported.", "%(count)d errors: nothing was imported.", len(errors))
                % {"count": len(errors)}, returncode=INVALID_FILE
            )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
                    "%(periods)d INAMI period(s) added."
                )
                % {
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "periods": report.periods_created,
                }
            )
        )

    def _read(self, file: str) -> bytes:
        try:
            if file == "-":
                return sys.stdin.buffer.read(MAX_IMPORT_BYTES + 1)
            with Path(file).open("rb") as stream:
                return stream.read(MAX_IMPORT_BYTES + 1)
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(reason)s") % {"file": file, "reason": error.strerror or error},
                returncode=USAGE_ERROR,
            ) from None

    def _export(self, file: str) -> None:
        if file == "-":
            buffer = io.StringIO(newline="")
            count = export_practitioners_csv(buffer)
            self.stdout.write(buffer.getvalue(), ending="")
        else:
            try:
                with Path(file).open("w", encoding="utf-8", newline="") as stream:
                    count = export_practitioners_csv(stream)
            except OSError as error:
                raise CommandError(
                    _("Cannot write %(file)s: %(reason)s") % {"file": file, "reason": error.strerror or error},
                    returncode=USAGE_ERROR,
                ) from None
        self.stderr.write(ngettext("Exported %(count)d practitioner.", "Exported %(count)d practitioners.", count) % {"count": count})
