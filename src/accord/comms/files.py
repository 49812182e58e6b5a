"""Attachment content: type sniffed from the bytes (never the client's claim), stored once per
SHA-256 under DATA_DIR/attachments."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path

from django.conf import settings

from accord import config

DEFAULT_MAX_MB = 10
OOXML = {
    "word/": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".docx",
    ),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "ppt/": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ".pptx",
    ),
}


def max_bytes() -> int:
    """ACCORD_ATTACHMENT_MAX_MB (default 10)."""
    try:
        mb = float(config.env("ATTACHMENT_MAX_MB") or DEFAULT_MAX_MB)
    except ValueError:
        mb = DEFAULT_MAX_MB
    return int(mb * 1024 * 1024)


def sniff(data: bytes) -> str | None:
    """The content type the bytes really have, among the allowed ones; None if not allowed."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return None
        for prefix, (ctype, _) in OOXML.items():
            if any(n.startswith(prefix) for n in names) and "[Content_Types].xml" in names:
                return ctype
        return None
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return "text/plain"
    return None


def root() -> Path:
    path = Path(settings.DATA_DIR) / "attachments"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(data: bytes) -> str:
    """Write the bytes under their SHA-256 (atomically; identical files are stored once)."""
    digest = hashlib.sha256(data).hexdigest()
    target = root() / digest
    if not target.exists():
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    return digest


def path_of(digest: str) -> Path:
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError("bad digest")
    return root() / digest
