"""``clearinghouse`` on the command line: the same commands as ``python manage.py``."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clearinghouse.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
