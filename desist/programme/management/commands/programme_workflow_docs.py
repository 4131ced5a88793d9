"""Write docs/workflows/programme-referral.svg and .md from the transition table (the core
`workflow_docs` command, narrowed to the referral workflow)."""

from __future__ import annotations

from desist.core.management.commands import workflow_docs
from desist.core.management.commands.workflow_docs import doc_files

__all__ = ["Command", "doc_files"]  # doc_files: every workflow's generated files


class Command(workflow_docs.Command):
    help = "Generate the referral workflow diagram (SVG) and table (Markdown) into docs/workflows/."
    workflows = ("programme",)
    command = "programme_workflow_docs"
