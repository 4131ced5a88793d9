"""Write docs/workflows/spo-lifecycle.svg and .md from the transition table (the core
`workflow_docs` command, narrowed to the SPO lifecycle)."""

from __future__ import annotations

from desist.core.management.commands import workflow_docs


class Command(workflow_docs.Command):
    help = "Generate the SPO lifecycle diagram (SVG) and table (Markdown) into docs/workflows/."
    workflows = ("orders",)
    command = "orders_workflow_docs"
