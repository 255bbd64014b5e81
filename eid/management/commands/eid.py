"""`manage.py eid read [--json] [--niss NISS | --create] [--pin-stdin]`: the eID card in the reader.

Reads the holder from the card's Authentication certificate (module: the EID_PKCS11_MODULE
setting). ``--json`` prints ``{"niss", "last_name", "first_names", "not_after"}`` (not_after in
ISO 8601). ``--niss`` checks the card against that NISS; ``--create`` makes a new record from the
card (never when a record already has its NISS). ``--pin-stdin`` also proves possession: the
card signs a random challenge with the PIN read from standard input.

Exit status: 0 read (and matching / created), 1 the card could not be read or proved (each
reason its own message), the NISS differs, or the record cannot be created; 2 usage error.
"""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from eid import card, refusals, services
from ehealth_certs.management.commands.keystore import clean_niss
from ehealth_certs.management.secret_input import read_secret_lines
from oxygen.errors import Refused

OK, FAILED, USAGE_ERROR = 0, 1, 2


def holder_json(holder: card.EidHolder) -> dict[str, str]:
    return {
        "niss": holder.niss,
        "last_name": holder.last_name,
        "first_names": holder.first_names,
        "not_after": holder.not_after.isoformat(),
    }


def read_pin(options: dict) -> str:
    [pin] = read_secret_lines(options, [_("eID PIN: ")], _("No PIN on standard input."))
    return pin


class Command(BaseCommand):
    help = "Read the eID card in the card reader: holder, NISS check, new record."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="subcommand", required=True, metavar="{read}")
        read = subparsers.add_parser("read", help="Read the holder from the card's Authentication certificate.")
        read.add_argument("--json", action="store_true", help="print one JSON object")
        target = read.add_mutually_exclusive_group()
        target.add_argument("--niss", help="check that the card belongs to this NISS")
        target.add_argument("--create", action="store_true", help="create a new practitioner record from the card")
        read.add_argument("--pin-stdin", action="store_true", help="prove possession with the PIN read from standard input")

    def handle(self, *args, **options):
        niss = clean_niss(options.get("niss"))
        pin = read_pin(options) if options["pin_stdin"] else None
        try:
            reading = services.read_card(pin=pin)
        except Refused as refused:
            raise CommandError(refusals.card_reading_message(refused), returncode=FAILED) from None
        holder = reading.holder
        self.write_holder(holder, reading.proved, options["json"])
        if niss is not None:
            difference = card.compare_niss(holder, niss)
            if difference is not None:
                raise CommandError(str(difference), returncode=FAILED)
            self.stderr.write(_("The card belongs to NISS %(niss)s.") % {"niss": niss})
        if options["create"]:
            self.create(holder)

    def write_holder(self, holder: card.EidHolder, proved: bool, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps(holder_json(holder), ensure_ascii=False))
            return
        lines = [
            _("NISS: %s") % holder.niss,
            _("last name: %s") % holder.last_name,
            _("first names: %s") % holder.first_names,
            _("Authentication certificate valid until %s") % holder.not_after.isoformat(),
        ]
        if proved:
            lines.append(_("proof of possession: the card signed a challenge that its certificate verifies"))
        self.stdout.write("\n".join(lines))

    def create(self, holder: card.EidHolder) -> None:
        try:
            practitioner = services.create_record(holder)
        except Refused as refused:
            if refused.code == services.RECORD_EXISTS:
                raise CommandError(
                    _("A record already has the NISS %(niss)s: %(name)s. Nothing was created.")
                    % {"niss": holder.niss, "name": refused.params["practitioner"]},
                    returncode=FAILED,
                ) from None
            field_errors = refused.params["field_errors"].items()  # services.INVALID_RECORD
            problems = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in field_errors)
            raise CommandError(
                _("The card's data do not make a valid record (%(problems)s). Nothing was created.") % {"problems": problems},
                returncode=FAILED,
            ) from None
        self.stderr.write(_("Record created: %(name)s (%(id)s).") % {"name": practitioner, "id": practitioner.public_id})
