"""Date formats for the en-gb locale (settings.FORMAT_MODULE_PATH): Django's own en_GB module
writes '7 Dec 2026', which would win over settings.DATE_FORMAT. Desist writes dates as GOV.UK
does, everywhere, one way (issue 20 item 7)."""
