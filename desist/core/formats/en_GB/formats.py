"""'7 December 2026' and '7 December 2026, 14:05' (core.dates.long_date, long_datetime).
Input formats are not set here, so Django's en_GB module still reads typed dates."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j F Y"
SHORT_DATETIME_FORMAT = "j F Y, H:i"
