"""Encrypted backup files: AES-256-GCM in 64 KiB chunks, the STREAM construction (ADR 0022).

A file is a header, then chunks. The header holds a magic string, the format version, the id of
the key it was sealed with and a random salt; each file gets its own AES key, derived from the
backup key and the salt with HKDF-SHA256. Each chunk is sealed with a nonce made of its index
and a flag marking the last chunk, and with the header as associated data. So a changed byte,
a reordered or repeated chunk, a header from another file or a file cut short (no last chunk)
is refused, and nothing decrypted is handed on before its chunk has been authenticated.

The keys come from the environment (DESIST_BACKUP_KEY): comma-separated, newest first, each 32
random bytes in URL-safe base64 (the form `Fernet.generate_key()` prints). Backups are sealed
with the first; a restore picks whichever matches the file's key id, so old backups stay
readable while their key is kept after a rotation.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct
from collections.abc import Iterable, Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ENV_VAR = "DESIST_BACKUP_KEY"
MAGIC = b"DESISTBK"
VERSION = 1
CHUNK = 64 * 1024
_TAG = 16
_SALT = 32
_KEY_ID = 8
HEADER_SIZE = len(MAGIC) + 1 + _KEY_ID + _SALT
_MAX_CHUNKS = 2**88  # an 11-byte counter


class BackupKeyError(Exception):
    """The backup key is missing, malformed, or not the one a file was sealed with."""


class BackupCorrupt(Exception):
    """The file was changed, cut short or is not a Desist backup."""


def _hkdf(key: bytes, salt: bytes | None, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(key)


def key_id(key: bytes) -> bytes:
    """A short public id of a key, so a restore can name the key a file needs."""
    return _hkdf(key, None, b"desist-backup v1 key id")[:_KEY_ID]


def parse_keys(value: str | None) -> list[bytes]:
    keys = []
    for part in (value or "").split(","):
        if not part.strip():
            continue
        try:
            raw = base64.urlsafe_b64decode(part.strip().encode())
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            raise BackupKeyError(
                f"{ENV_VAR}: each key must be 32 random bytes in URL-safe base64 "
                "(for example the output of `desist backup --generate-key`)"
            )
        keys.append(raw)
    if not keys:
        raise BackupKeyError(f"{ENV_VAR} is not set: backups are never written unencrypted")
    return keys


def keys_from_environment() -> list[bytes]:
    return parse_keys(os.environ.get(ENV_VAR))


def generate_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _nonce(index: int, last: bool) -> bytes:
    if index >= _MAX_CHUNKS:
        raise ValueError("backup too large for one file")
    return index.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


def encrypt(chunks: Iterable[bytes], out: BinaryIO, *, key: bytes) -> int:
    """Seal a stream of bytes (any chunking) into `out`. Returns the plaintext length."""
    salt = os.urandom(_SALT)
    header = MAGIC + struct.pack("B", VERSION) + key_id(key) + salt
    aead = AESGCM(_hkdf(key, salt, b"desist-backup v1 payload"))
    out.write(header)
    buffer = bytearray()
    index = total = 0
    for piece in chunks:
        buffer += piece
        total += len(piece)
        while len(buffer) > CHUNK:  # keep at least one byte back: the last chunk is flagged
            out.write(aead.encrypt(_nonce(index, False), bytes(buffer[:CHUNK]), header))
            del buffer[:CHUNK]
            index += 1
    out.write(aead.encrypt(_nonce(index, True), bytes(buffer), header))
    return total


def sealed_with(path: str) -> str:
    """The id of the key a backup file names in its header (hex), or "" if it has none."""
    with open(path, "rb") as source:
        header = source.read(HEADER_SIZE)
    return (
        header[len(MAGIC) + 1 : len(MAGIC) + 1 + _KEY_ID].hex() if header.startswith(MAGIC) else ""
    )


def read_header(source: BinaryIO, keys: list[bytes]) -> tuple[bytes, AESGCM]:
    header = source.read(HEADER_SIZE)
    if len(header) < HEADER_SIZE or not header.startswith(MAGIC):
        raise BackupCorrupt("This is not a Desist backup file (no Desist backup header).")
    if header[len(MAGIC)] != VERSION:
        raise BackupCorrupt(f"Unknown backup format version {header[len(MAGIC)]}.")
    wanted = header[len(MAGIC) + 1 : len(MAGIC) + 1 + _KEY_ID]
    for key in keys:
        if key_id(key) == wanted:
            return header, AESGCM(_hkdf(key, header[-_SALT:], b"desist-backup v1 payload"))
    raise BackupKeyError(
        f"The backup was sealed with key id {wanted.hex()}, which is not among the keys in "
        f"{ENV_VAR} (their ids: {', '.join(key_id(k).hex() for k in keys)})."
    )


def decrypt(source: BinaryIO, keys: list[bytes]) -> Iterator[bytes]:
    """Yield the plaintext chunk by chunk, each only after it has been authenticated. Raises
    BackupCorrupt on any change, and when the file ends before its last chunk."""
    header, aead = read_header(source, keys)
    sealed = CHUNK + _TAG
    current = source.read(sealed)
    index = 0
    while True:
        following = source.read(sealed) if len(current) == sealed else b""
        last = not following
        try:
            yield aead.decrypt(_nonce(index, last), current, header)
        except InvalidTag:
            raise BackupCorrupt(
                "The backup file does not authenticate: it was changed, cut short, or "
                f"reordered (chunk {index})."
            ) from None
        if last:
            return
        current, index = following, index + 1
