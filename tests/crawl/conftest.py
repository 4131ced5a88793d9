"""The runtime victim wall, for the crawls and the tests that show it can fail."""

from .victim_wall import victim_wall  # noqa: F401
