"""Account administration commands (issue 16), one module per family: organisations and
partnerships, people (invite, joiner, mover, leaver), access reviews, bulk import."""
