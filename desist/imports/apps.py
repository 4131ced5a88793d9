from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Bulk import of subjects and their cases from police record systems (issue 17, ADR 0034).
    Above the domain apps it writes to (people, cases), below `jobs`, which runs the page's
    imports and registers its launcher here."""

    name = "desist.imports"
    label = "imports"
    verbose_name = "Bulk import"
