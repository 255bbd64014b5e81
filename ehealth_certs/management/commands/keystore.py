"""`manage.py keystore SUBCOMMAND`: check and import eHealth keystores from the command line.

    keystore inspect PATH --password-stdin [--niss NISS] [--json]
    keystore import PATH --niss NISS --password-stdin [--json]
    keystore reencrypt
    keystore change-password PATH OUT   (current, then new password on the first two lines of stdin)

The password is read from standard input (one line; prompted without echo on a terminal), never
from the command line. Exit status: 0 valid (imported), 1 invalid (the result says why; also when
throttled or beaten by a concurrent import), 2 usage error: a missing --password-stdin, an
unreadable file, a malformed NISS, or (import) no record with that NISS.

Each subcommand is one ``add_*_arguments`` function and one ``run_*`` function, registered in
``SUBCOMMANDS``.
"""
from __future__ import annotations

import getpass
import json
import os
import re
import sys
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ehealth_certs import keystore_text, refusals
from ehealth_certs.keystore_text import validation_message
from ehealth_certs.lifecycle import keystore_import, password_change
from ehealth_certs.management.secret_input import read_secret_lines
from ehealth_certs.models import EncryptionKeyStatus, RevocationCheck, UploadChannel
from oxygen.errors import Refused
from practitioners.identifiers import validate_niss
from practitioners.models import Practitioner

VALID, INVALID, USAGE_ERROR = 0, 1, 2


# --------------------------------------------------------------------------- shared helpers


def require_password_stdin(options: dict) -> None:
    if not options.get("password_stdin"):
        raise CommandError(
            _("Pass --password-stdin and give the keystore password on standard input (never on the command line)."),
            returncode=USAGE_ERROR,
        )


def read_password(options: dict) -> str:
    [password] = read_secret_lines(options, [_("Keystore password: ")], _("No password on standard input."))
    return password


def read_keystore_file(path: str) -> bytes:
    try:
        with open(path, "rb") as stream:
            return keystore_import.read_capped(stream)
    except OSError as exc:
        raise CommandError(
            _("Cannot read %(path)s: %(reason)s") % {"path": path, "reason": exc.strerror or exc}, returncode=USAGE_ERROR
        ) from None


def clean_niss(value: str | None) -> str | None:
    if value is None:
        return None
    digits = re.sub(r"[\s./-]", "", value)
    try:
        validate_niss(digits)
    except Exception:  # ValidationError: say it plainly, as a usage error
        raise CommandError(_("%(niss)s is not a valid NISS.") % {"niss": value}, returncode=USAGE_ERROR) from None
    return digits


def write_result(command: BaseCommand, data: dict, as_json: bool) -> None:
    if as_json:
        command.stdout.write(json.dumps(data, ensure_ascii=False))
        return
    lines = [_("valid: %s") % (_("yes") if data["valid"] else _("no"))]
    if data.get("error"):
        lines.append(_("error: %(code)s – %(message)s") % {"code": data["error"], "message": data["message"]})
    for code in data.get("warnings", []):
        lines.append(_("warning: %(code)s – %(message)s") % {"code": code, "message": keystore_text.warning_message(code)})
    if data.get("subject"):
        lines += [
            _("subject: %s") % data["subject"],
            _("identifiers: %s") % ", ".join(f"{name}={value}" for name, value in data["identifiers"].items()),
            _("environment: %s") % (data.get("environment") or "?"),
            _("valid from %(start)s until %(end)s") % {"start": data["not_before"], "end": data["not_after"]},
        ]
        if data.get("revocation"):
            lines.append(_("revocation (OCSP): %s") % RevocationCheck(data["revocation"]).label)
    if data.get("encryption_key"):
        lines.append(_("encryption key (ETK): %s") % EncryptionKeyStatus(data["encryption_key"]).label)
    for entry in data.get("entries", []):
        lines.append(
            f"  - {entry['alias'] or '—'} ({entry['kind']}{', ' + _('private key') if entry['has_private_key'] else ''}): "
            f"{entry['subject']} [{entry['not_before']} – {entry['not_after']}]"
        )
    if data.get("certificate_id"):
        lines.append(_("imported as certificate %s") % data["certificate_id"])
    command.stdout.write("\n".join(lines))


def finish(valid: bool, message: str) -> None:
    if not valid:
        raise CommandError(message, returncode=INVALID)


def os_user_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid()) if hasattr(os, "getuid") else ""


# --------------------------------------------------------------------------- inspect


def add_inspect_arguments(parser) -> None:
    parser.add_argument("path", help="the keystore file (.p12 / .acc-p12)")
    parser.add_argument("--password-stdin", action="store_true", help="read the keystore password from standard input")
    parser.add_argument("--niss", help="check that the certificate belongs to this NISS")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run_inspect(command: BaseCommand, options: dict) -> None:
    require_password_stdin(options)
    niss = clean_niss(options.get("niss"))
    data = read_keystore_file(options["path"])
    password = read_password(options)
    result = keystore_import.validate_for_inspection(data, password, ssin=niss, now=timezone.now())
    message = str(validation_message(result))
    write_result(command, result.to_json_dict(message), options["json"])
    finish(result.valid, message)


# --------------------------------------------------------------------------- import


def add_import_arguments(parser) -> None:
    parser.add_argument("path", help="the keystore file (.p12 / .acc-p12)")
    parser.add_argument("--niss", required=True, help="NISS of the practitioner record to import it into")
    parser.add_argument("--password-stdin", action="store_true", help="read the keystore password from standard input")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run_import(command: BaseCommand, options: dict) -> None:
    require_password_stdin(options)
    niss = clean_niss(options["niss"])
    practitioner = Practitioner.objects.filter(niss=niss).first()
    if practitioner is None:
        raise CommandError(_("No practitioner record has the NISS %(niss)s.") % {"niss": niss}, returncode=USAGE_ERROR)
    data = read_keystore_file(options["path"])
    password = read_password(options)
    try:
        outcome = keystore_import.import_keystore(
            practitioner,
            data,
            password,
            actor=None,
            source_name=os.path.basename(options["path"]),
            via=UploadChannel.CLI,
            uploader_name=os_user_name(),
        )
    except Refused as refused:
        outcome = refusals.refused_import(refused)
    write_result(command, outcome.to_json_dict(), options["json"])
    finish(outcome.imported, str(outcome.message))


# --------------------------------------------------------------------------- reencrypt


def add_reencrypt_arguments(parser) -> None:
    """No arguments: every stored keystore is re-encrypted with the first KEYSTORE_ENCRYPTION_KEY."""


def run_reencrypt(command: BaseCommand, options: dict) -> None:
    count = keystore_import.reencrypt_keystores()
    command.stdout.write(ngettext("%(count)d keystore re-encrypted with the current key.", "%(count)d keystores re-encrypted with the current key.", count)
        % {"count": count})


# --------------------------------------------------------------------------- change-password


def add_change_password_arguments(parser) -> None:
    parser.add_argument("path", help="the keystore file (.p12 / .acc-p12)")
    parser.add_argument("out", help="where to write the re-encrypted keystore (a new file)")


def run_change_password(command: BaseCommand, options: dict) -> None:
    out = options["out"]
    if os.path.lexists(out):
        raise CommandError(
            _("%(out)s already exists: give a new file name (the keystore is never overwritten).") % {"out": out},
            returncode=USAGE_ERROR,
        )
    data = read_keystore_file(options["path"])
    current, new, confirmation = read_password_change(options)
    try:
        keystore = password_change.change_uploaded_keystore_password(data, current, new, confirmation)
    except Refused as refused:
        rules = "".join(f"\n  - {rule.message}" for rule in refused.params.get("failed_rules", []))
        finish(False, f"{refusals.password_change_message(refused)}{rules}")
    try:
        password_change.write_new_file(out, keystore)
    except OSError as exc:
        raise CommandError(
            _("Cannot write %(path)s: %(reason)s") % {"path": out, "reason": exc.strerror or exc}, returncode=INVALID
        ) from None
    command.stdout.write(
        _("%(out)s written: the keystore with every entry, protected by the new password.") % {"out": out}
    )


def read_password_change(options: dict) -> tuple[str, str, str]:
    """Current and new password: prompted (new one twice) on a terminal, else the first two lines of stdin."""
    missing = _("Give the current password and the new password on the first two lines of standard input.")
    stdin = options.get("stdin") or sys.stdin
    if stdin.isatty():
        prompts = [_("Current keystore password: "), _("New keystore password: "), _("New keystore password again: ")]
        current, new, confirmation = read_secret_lines(options, prompts, missing)
        return current, new, confirmation
    current, new = read_secret_lines(options, ["", ""], missing)
    return current, new, new


SUBCOMMANDS: dict[str, tuple[str, Callable, Callable]] = {
    "inspect": ("Validate a keystore file without storing it.", add_inspect_arguments, run_inspect),
    "import": ("Validate a keystore and import it into a practitioner's record.", add_import_arguments, run_import),
    "reencrypt": (
        "Re-encrypt every stored keystore with the first KEYSTORE_ENCRYPTION_KEY (after adding a new key).",
        add_reencrypt_arguments,
        run_reencrypt,
    ),
    "change-password": (
        "Re-encrypt a keystore file under a new password into OUT (passwords on standard input).",
        add_change_password_arguments,
        run_change_password,
    ),
}


class Command(BaseCommand):
    help = "Check and import eHealth keystores (the password is read from standard input)."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        subparsers = parser.add_subparsers(dest="subcommand", required=True, metavar="{" + ",".join(SUBCOMMANDS) + "}")
        for name, (help_text, add_arguments, run) in SUBCOMMANDS.items():
            subparser = subparsers.add_parser(name, help=help_text, description=help_text)
            add_arguments(subparser)
            subparser.set_defaults(run=run)

    def handle(self, *args, **options):
        options["run"](self, options)
