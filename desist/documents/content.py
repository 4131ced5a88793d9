"""What a file is, read from its bytes (never from its name), and what text can be read from it.

`filetype` reads the magic numbers at the start of the file. Only the types on ALLOWED are
accepted: a PDF named .png, or a program named .pdf, is refused. Size is checked before the
file is read into memory.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PdfReadError

# MIME type -> (extension we give the file, the name in messages)
ALLOWED: dict[str, tuple[str, str]] = {
    "application/pdf": ("pdf", "PDF"),
    "image/png": ("png", "PNG"),
    "image/jpeg": ("jpg", "JPEG"),
}
# What a file's name may end in, for each type.
NAMED_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}
TYPE_MESSAGE = "The selected file must be a PDF, PNG or JPEG"
EMPTY_MESSAGE = "The selected file is empty"
MISSING_MESSAGE = "Select a file"


def max_megabytes() -> int:
    return int(settings.DESIST_DOCUMENT_MAX_MB)


def max_bytes() -> int:
    return max_megabytes() * 1024 * 1024


def size_message() -> str:
    return f"The selected file must be smaller than {max_megabytes()}MB"


@dataclass(frozen=True)
class Inspected:
    data: bytes
    content_type: str
    extension: str


def inspect(upload: UploadedFile | None) -> tuple[Inspected | None, str]:
    """The file's bytes and real type, or None and the GOV.UK message saying what is wrong."""
    if upload is None:
        return None, MISSING_MESSAGE
    if upload.size is not None and upload.size > max_bytes():
        return None, size_message()
    data = upload.read(max_bytes() + 1)
    if len(data) > max_bytes():
        return None, size_message()
    if not data:
        return None, EMPTY_MESSAGE
    kind = filetype.guess(data)
    if kind is None or kind.mime not in ALLOWED:
        return None, TYPE_MESSAGE
    extension, type_name = ALLOWED[kind.mime]
    named = PurePath(upload.name or "").suffix.lower().lstrip(".")
    if named and NAMED_TYPES.get(named) != kind.mime:
        # A name that says otherwise is refused too: someone meant to disguise it, or chose
        # the wrong file.
        return None, f"The selected file is a {type_name}, so its name must end in .{extension}"
    return Inspected(data=data, content_type=kind.mime, extension=extension), ""


def readable_text(data: bytes, content_type: str) -> str:
    """Text that can be read from the file with what is installed: a PDF's text (`pdf_text`),
    an image's text metadata (PNG text chunks, JPEG comments and EXIF descriptions). Nothing
    reads text drawn in pixels (a scan), so that needs a person's confirmation."""
    if content_type == "application/pdf":
        return pdf_text(data)
    if not content_type.startswith("image/"):
        return ""
    try:
        with Image.open(io.BytesIO(data)) as image:
            parts = [_text(v) for k, v in image.info.items() if k not in _BINARY_INFO]
            parts += [v for v in image.getexif().values() if isinstance(v, str)]
    except (UnidentifiedImageError, OSError, ValueError):
        return ""
    return "\n".join(p for p in parts if p)


# --- PDF text, through pypdf --------------------------------------------------------------------
# pypdf reads simple and composite (CID) fonts through their ToUnicode maps and caps what a
# compressed stream may inflate to (pypdf.filters.ZLIB_MAX_OUTPUT_LENGTH), so a small file cannot
# become a large one in memory. Pages are capped too; a file it cannot parse yields no text, and
# then the police officer's confirmation is what stands (as for a picture).
PDF_PAGE_LIMIT = 200


def pdf_text(data: bytes) -> str:
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = reader.pages[:PDF_PAGE_LIMIT]
        return "\n".join(page.extract_text() or "" for page in pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError):
        return ""


_BINARY_INFO = {"icc_profile", "exif", "dpi", "transparency", "gamma"}


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else ""
