"""Views for cases: thin; they call selectors (reads, access) and services (writes)."""
