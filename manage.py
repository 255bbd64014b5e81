#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oxygen.settings")
    from oxygen.cli import LocalizedManagementUtility

    LocalizedManagementUtility(sys.argv).execute()


if __name__ == "__main__":
    main()
