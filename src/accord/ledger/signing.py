"""Ed25519 signed tree heads.

A tree head commits to (process, size, root, timestamp).  The signed message is
``b"accord-tree-head-v1\\n" + canonical_json({"process", "root" (base64), "size",
"timestamp"})``: the prefix separates it from anything else the key might ever sign, and the
canonical encoding makes the message reproducible by an offline verifier.

Base64 everywhere is standard alphabet with padding (RFC 4648 §4).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from accord.ledger.entry import canonical_json

__all__ = [
    "HEAD_DOMAIN",
    "b64decode",
    "b64encode",
    "head_message",
    "key_id",
    "load_or_create_key",
    "load_public_key",
    "public_key_b64",
    "sign_head",
    "verify_head",
]

HEAD_DOMAIN = b"accord-tree-head-v1\n"
HEAD_FIELDS = ("process", "size", "root", "timestamp", "key_id", "signature")


def b64encode(data: bytes) -> str:
    """Standard padded base64 as str."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str | bytes) -> bytes:
    """Strict standard base64 (rejects stray characters); raises ValueError."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, TypeError) as exc:
        raise ValueError(f"invalid base64: {exc}") from None


def load_or_create_key(path: Path | str) -> Ed25519PrivateKey:
    """Load the deployment key, or create it (PEM PKCS#8, mode 0600, parent dir 0700).

    Creation uses O_EXCL, so two processes starting at once end up with the same key.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # lost the race: load the winner's key below
        else:
            try:
                os.write(fd, pem)
                os.fsync(fd)
            finally:
                os.close(fd)
            return key
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError(f"{path} does not hold an Ed25519 private key")
    return key


def _raw_public(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_b64(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """Raw 32-byte public key, base64: what a bundle or a verifier is given."""
    return b64encode(_raw_public(key))


def load_public_key(public: str | bytes | Ed25519PublicKey) -> Ed25519PublicKey:
    """Accept a public key object, its raw 32 bytes, or their base64; raises ValueError."""
    if isinstance(public, Ed25519PublicKey):
        return public
    raw = b64decode(public) if isinstance(public, str) else bytes(public)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def key_id(public: str | bytes | Ed25519PublicKey | Ed25519PrivateKey) -> str:
    """First 16 hex digits of SHA-256 of the raw public key: a short, stable key name."""
    if isinstance(public, Ed25519PrivateKey):
        public = public.public_key()
    raw = _raw_public(load_public_key(public))
    return hashlib.sha256(raw).hexdigest()[:16]


def head_message(process: str, size: int, root: bytes, timestamp: str) -> bytes:
    """The exact bytes signed for a tree head (domain-separated canonical JSON)."""
    if not isinstance(process, str) or not isinstance(timestamp, str):
        raise TypeError("process and timestamp must be str")
    if type(size) is not int or size < 0:
        raise ValueError(f"size must be a non-negative int, not {size!r}")
    if not isinstance(root, bytes) or len(root) != 32:
        raise ValueError("root must be 32 bytes")
    return HEAD_DOMAIN + canonical_json(
        {"process": process, "size": size, "root": b64encode(root), "timestamp": timestamp}
    )


def sign_head(
    key: Ed25519PrivateKey, process: str, size: int, root: bytes, timestamp: str
) -> dict[str, Any]:
    """Sign a tree head; returns the JSON-ready head dict (root and signature in base64)."""
    signature = key.sign(head_message(process, size, root, timestamp))
    return {
        "process": process,
        "size": size,
        "root": b64encode(root),
        "timestamp": timestamp,
        "key_id": key_id(key),
        "signature": b64encode(signature),
    }


def verify_head(public: str | bytes | Ed25519PublicKey, head: dict) -> bool:
    """True iff ``head`` is well formed, names this key and carries its valid signature.

    Never raises: garbage input (wrong types, bad base64, wrong key) gives False.
    """
    try:
        if not isinstance(head, dict) or not all(f in head for f in HEAD_FIELDS):
            return False
        pub = load_public_key(public)
        if head["key_id"] != key_id(pub):
            return False
        root = b64decode(head["root"])
        message = head_message(head["process"], head["size"], root, head["timestamp"])
        pub.verify(b64decode(head["signature"]), message)
        return True
    except (InvalidSignature, ValueError, TypeError, KeyError):
        return False
    except Exception:  # a verifier must not crash on hostile input
        return False
