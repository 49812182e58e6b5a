"""Errors every layer raises and the API/UI/CLI turn into clear 4xx answers (never a 500)."""

from __future__ import annotations


class AccordError(Exception):
    """Base: a request that cannot be done; `status` is the HTTP status, `code` a stable name."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Invalid(AccordError):
    status = 422
    code = "invalid"


class NotFound(AccordError):
    """Also raised for things that exist but may not be read, so existence does not leak."""

    status = 404
    code = "not_found"


class Forbidden(AccordError):
    status = 403
    code = "forbidden"


class Conflict(AccordError):
    status = 409
    code = "conflict"


class Unauthenticated(AccordError):
    status = 401
    code = "unauthenticated"


class TooManyAttempts(AccordError):
    status = 429
    code = "too_many_attempts"
