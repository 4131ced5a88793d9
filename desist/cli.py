"""The `desist` console command: every Django management command, plus demo/serve/seed."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "demo":
        os.environ.setdefault("DESIST_ENV", "demo")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["desist", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
