"""`manage.py practitioners import FILE` / `manage.py practitioners export [--format csv|fhir] FILE`
(`-` for stdin/stdout). The FHIR export is a Bundle of type collection (docs/fhir.md).

Exit codes: 0 success, 1 the file is invalid (every error on stderr, nothing imported), 2 usage error
(an unknown format or a base URL that is not an absolute http(s) URL among them).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from oxygen.errors import Refused
from practitioners.csv_refusals import file_refusal_errors
from practitioners.fhir import write_collection_bundle
from practitioners.registry_csv import MAX_IMPORT_BYTES, export_practitioners_csv, import_practitioners_csv

USAGE_ERROR = 2
INVALID_FILE = 1
# Where the API serves FHIR on the site (a URL name: the registry imports nothing from the API), the
# default base of the exported entries' fullUrls.
FHIR_BASE_URL_NAME = "fhir:api-root"


class Command(BaseCommand):
    help = "Import or export the practitioner registry as CSV, or export it as a FHIR Bundle."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{import,export}")
        importer = actions.add_parser("import", help="Validate a CSV file and import it (all rows or none).")
        importer.add_argument("file", help="CSV file (UTF-8, ';' or ',' separated), or - for stdin")
        importer.add_argument("--user", help="username recorded in the history as the author of the changes")
        exporter = actions.add_parser(
            "export",
            help="Write the registry as ';'-separated UTF-8 CSV with a BOM, or as a FHIR R4 Bundle (JSON).",
        )
        exporter.add_argument("file", help="output file, or - for stdout")
        exporter.add_argument(
            "--format", dest="export_format", choices=["csv", "fhir"], default="csv",
            help="csv (default) or fhir: a Bundle of type collection, HL7 Belgium profiles, UTF-8 JSON",
        )  # fmt: skip
        exporter.add_argument(
            "--base-url", type=absolute_url, default=None,
            help="fhir: where the API serves FHIR, for the entries' fullUrls (default: SITE_URL + /fhir)",
        )  # fmt: skip

    def handle(self, *args, action: str, file: str, **options):
        if action == "import":
            self._import(file, options.get("user"))
        else:
            self._export(file, options["export_format"], options["base_url"] or settings.SITE_URL + reverse(FHIR_BASE_URL_NAME))

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

    def _export(self, file: str, export_format: str, base_url: str) -> None:
        def write(stream) -> int:
            if export_format == "fhir":
                return write_collection_bundle(stream, base_url=base_url)
            return export_practitioners_csv(stream)

        if file == "-":
            count = write(Unterminated(self.stdout))
        else:
            try:
                with Path(file).open("w", encoding="utf-8", newline="") as stream:
                    count = write(stream)
            except OSError as error:
                raise CommandError(
                    _("Cannot write %(file)s: %(reason)s") % {"file": file, "reason": error.strerror or error},
                    returncode=USAGE_ERROR,
                ) from None
        self.stderr.write(ngettext("Exported %(count)d practitioner.", "Exported %(count)d practitioners.", count) % {"count": count})


class Unterminated:
    """The command's stdout as a plain stream: Django's wrapper would end every write with a newline."""

    def __init__(self, wrapper) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")


def absolute_url(value: str) -> str:
    """--base-url: an absolute http(s) URL, without its trailing slash (argparse turns the error into a usage error)."""
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise argparse.ArgumentTypeError(_("not an absolute http(s) URL: %(url)s") % {"url": value}) from None
    return value.rstrip("/")
