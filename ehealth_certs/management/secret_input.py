"""Secrets (keystore passwords, the eID PIN) for commands: prompted on a terminal, else read from
standard input, never from the command line (where `ps` and the shell history would keep them)."""
from __future__ import annotations

import getpass
import sys

from django.core.management import CommandError

USAGE_ERROR = 2


def read_secret_lines(options: dict, prompts: list[str], missing_message: str) -> list[str]:
    """One secret per prompt: typed without echo on a terminal, else one line of stdin each."""
    stdin = options.get("stdin") or sys.stdin
    if stdin.isatty():
        return [getpass.getpass(prompt, stream=sys.stderr) for prompt in prompts]
    lines = [stdin.readline() for _prompt in prompts]
    if not lines[-1]:
        raise CommandError(missing_message, returncode=USAGE_ERROR)
    return [line.removesuffix("\n").removesuffix("\r") for line in lines]
