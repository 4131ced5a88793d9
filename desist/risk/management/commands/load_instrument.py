"""desist load_instrument PATH --organisation CODE

Load an instrument an organisation is licensed to use from a JSON or YAML file. The
instrument is available only to that organisation. Exits non-zero, listing every problem,
if the file is not a valid instrument.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from desist.core.models import Organisation
from desist.risk.loader import MAX_FILE_BYTES
from desist.risk.services import instrument_load_file


class Command(BaseCommand):
    help = "Load a risk assessment instrument from a JSON or YAML file for one organisation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The instrument file (.json, .yaml or .yml)")
        parser.add_argument(
            "--organisation",
            required=True,
            help="Code of the organisation that is licensed to use the instrument",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        organisation = Organisation.objects.filter(code=options["organisation"]).first()
        if organisation is None:
            raise CommandError(
                f"There is no organisation with the code '{options['organisation']}'"
            )
        try:
            with path.open("rb") as handle:
                content = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
        try:
            instrument, outcome = instrument_load_file(
                actor=None, organisation=organisation, name=path.name, content=content
            )
        except ValidationError as exc:
            problems = exc.message_dict.get("definition", exc.messages)
            raise CommandError(
                f"{path.name} was not loaded. Fix these problems and try again:\n"
                + "\n".join(f"  - {p}" for p in problems)
            ) from None
        text = {
            "created": "Loaded",
            "replaced": "Replaced (the version had not been used)",
            "unchanged": "Already loaded, unchanged:",
        }[outcome]
        self.stdout.write(
            self.style.SUCCESS(f"{text} {instrument} for {organisation.name} (id {instrument.pk})")
        )
