"""What a file is, read from its bytes (never from its name), and what text can be read from it.

`filetype` reads the magic numbers at the start of the file. Only the types on ALLOWED are
accepted: a PDF named .png, or a program named .pdf, is refused. Size is checked before the
file is read into memory.
"""

from __future__ import annotations

import io
import re
import zlib
from dataclasses import dataclass
from pathlib import PurePath

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

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
    """Text that can be read from the file with what is installed: a PDF's text drawn with
    simple fonts (`pdf_text`), an image's text metadata (PNG text chunks, JPEG comments and
    EXIF descriptions). Nothing reads text drawn in pixels, or a PDF's text in embedded
    composite fonts, so the rest needs a person's confirmation."""
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


# --- PDF text, without a PDF library -------------------------------------------------------
# No PDF text library is installed, so this reads the strings shown by the text operators
# (Tj, TJ, ' and ") in each content stream, uncompressed or Flate-compressed. That covers PDFs
# drawn with simple fonts (most generated letters and forms); text in composite (CID) fonts
# comes out as glyph numbers and matches nothing, so the police officer's confirmation stays.
# Inflation is capped: a small file cannot become a large one in memory.
PDF_INFLATE_LIMIT = 32 * 1024 * 1024
_STREAM = re.compile(rb"<<(?P<dict>(?:[^<>]|<<[^<>]*>>|<[0-9A-Fa-f\s]*>)*)>>\s*stream\r?\n", re.S)
_SHOWN = re.compile(
    rb"\((?P<lit>(?:\\.|[^\\()]|\((?:\\.|[^\\()])*\))*)\)|<(?P<hex>[0-9A-Fa-f\s]*)>|(?P<op>Tj|TJ|'|\"|ET)\b",
    re.S,
)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def pdf_text(data: bytes) -> str:
    parts: list[str] = []
    budget = PDF_INFLATE_LIMIT
    for match in _STREAM.finditer(data):
        start = match.end()
        end = data.find(b"endstream", start)
        if end < 0:
            break
        raw = data[start:end]
        if b"/FlateDecode" in match.group("dict"):
            inflater = zlib.decompressobj()
            try:
                raw = inflater.decompress(raw, budget)
            except zlib.error:
                continue
        elif b"/Filter" in match.group("dict"):
            continue  # another encoding (images): no text to read
        budget -= len(raw)
        parts.append(_shown_text(raw))
        if budget <= 0:
            break
    return "\n".join(p for p in parts if p.strip())


def _shown_text(stream: bytes) -> str:
    """The strings the text operators show, a line per text object."""
    out, pending = [], []
    for m in _SHOWN.finditer(stream):
        if m.group("lit") is not None:
            pending.append(_literal(m.group("lit")))
        elif m.group("hex") is not None:
            pending.append(_hex(m.group("hex")))
        elif m.group("op") == b"ET":
            out.append("\n")
            pending = []
        else:
            out.append("".join(pending) + " ")  # each shown string a word apart
            pending = []
    return "".join(out)


def _literal(body: bytes) -> str:
    def unescape(m: re.Match[bytes]) -> bytes:
        code = m.group(1)
        if code[:1].isdigit():
            return bytes([int(code, 8) & 0xFF])
        return _ESCAPES.get(code, code if code != b"\n" else b"")

    return re.sub(rb"\\([0-7]{1,3}|.)", unescape, body, flags=re.S).decode("latin-1")


def _hex(body: bytes) -> str:
    digits = re.sub(rb"\s", b"", body)
    try:
        return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode()).decode("latin-1")
    except ValueError:
        return ""


_BINARY_INFO = {"icc_profile", "exif", "dpi", "transparency", "gamma"}


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else ""
