"""Views for orders: thin; they call selectors (reads, access) and services (writes)."""
