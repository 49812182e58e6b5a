"""Uploaded files (message attachments, claim evidence, report attachments), one place for
their checks and storage: the type is sniffed from the bytes (never the client's claim) and
checked against the file's name (a `.exe` or `.html` is refused whatever its bytes, a PDF named
`.txt` too); the bytes are stored once per SHA-256 under DATA_DIR/attachments."""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from pathlib import Path

from django.conf import settings

from accord import config
from accord.core.errors import Invalid

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


# the extensions each sniffed type may carry: a name must say what the bytes are
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "text/plain": (".txt", ".text", ".md", ".csv"),
    **{ctype: (ext,) for ctype, ext in OOXML.values()},
}
ALLOWED_NAMES = (
    "PDF, PNG, JPEG, plain text and Office documents (.pdf, .png, .jpg, .txt, .md, "
    ".csv, .docx, .xlsx, .pptx)"
)
KIND_NAMES = {
    "application/pdf": "a PDF document",
    "image/png": "a PNG image",
    "image/jpeg": "a JPEG image",
    "text/plain": "plain text",
    OOXML["word/"][0]: "a Word document",
    OOXML["xl/"][0]: "an Excel workbook",
    OOXML["ppt/"][0]: "a PowerPoint presentation",
}
# text a browser would run or render as a page if it were ever opened inline: markup, not text
_MARKUP = re.compile(
    rb"^\s*(?:<!doctype\s|<\?xml|<!--|<(?:html|head|body|script|iframe|svg|style|title|"
    rb"a|b|p|br|div|font|h1|table|img|object|embed|meta|link|form)[\s/>])",
    re.IGNORECASE,
)


def extension(name: str) -> str:
    """The lower-case extension of a file name, with its dot ("" when it has none)."""
    return os.path.splitext(name or "")[1].lower()


def clean_name(name: str | None, default: str = "attachment") -> str:
    """A file name safe to store and to offer back: no path separators, at most 200 chars."""
    return (name or "").replace("/", "_").replace("\\", "_").strip()[:200] or default


def check(name: str, data: bytes) -> str:
    """The content type of an upload allowed as an attachment, or Invalid (422) saying why: its
    bytes must be of an allowed type AND its name must carry an extension of that type."""
    label = name or "the file"
    ext = extension(name)
    if not data:
        raise Invalid(f"{label!r} is empty", {"file": "empty"})
    if len(data) > max_bytes():
        raise Invalid(
            f"{label!r} is larger than {max_bytes() // (1024 * 1024)} MB", {"file": "too large"}
        )
    allowed_exts = {e for exts in EXTENSIONS.values() for e in exts}
    if ext not in allowed_exts:
        said = f"a {ext} file" if ext else "a file without an extension"
        raise Invalid(
            f"{label!r} is {said}: only {ALLOWED_NAMES} may be attached",
            {"file": "type not allowed"},
        )
    ctype = sniff(data)
    if ctype is None:
        raise Invalid(
            f"{label!r} is not what its name says: only {ALLOWED_NAMES} may be attached",
            {"file": "type not allowed"},
        )
    if ext not in EXTENSIONS[ctype]:
        raise Invalid(
            f"{label!r} is named {ext} but holds {KIND_NAMES[ctype]}: attach it under a name "
            f"ending {EXTENSIONS[ctype][0]}",
            {"file": "extension does not match the content"},
        )
    return ctype


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
        if _MARKUP.match(data.removeprefix(b"\xef\xbb\xbf")[:1024]):
            return None  # HTML, SVG, XML: markup, not plain text
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


def download(stored):
    """A stored file (any row with `sha256`, `name`, `content_type`) as a download (never
    rendered inline, never cached, never sniffed by the browser): every attachment route
    answers through this one response."""
    from django.http import FileResponse

    resp = FileResponse(
        open(path_of(stored.sha256), "rb"),
        content_type=stored.content_type,
        as_attachment=True,
        filename=stored.name,
    )
    resp["X-Content-Type-Options"] = "nosniff"
    resp["Cache-Control"] = "private, no-store"
    return resp


def required_upload(request_files, field: str = "file") -> tuple[str, bytes]:
    """The one file a form must carry (name, bytes), or a 422 asking for it."""
    upload = request_files.get(field)
    if upload is None:
        raise Invalid("choose a file", {field: "missing"})
    return read_upload(upload)


def read_upload(upload) -> tuple[str, bytes]:
    """An uploaded file's name and bytes, read up to one byte past the limit (enough to refuse
    it without reading a huge file whole)."""
    return upload.name or "", upload.read(max_bytes() + 1)
