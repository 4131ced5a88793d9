"""Views for people: thin; they call selectors (reads, access) and services (writes)."""
