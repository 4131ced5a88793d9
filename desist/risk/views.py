"""Views for risk: thin; they call selectors (reads, access) and services (writes)."""
