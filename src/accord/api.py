"""The REST API (/api/v1/): authentication, consistent error bodies, and the app routers."""

from django.db import DataError
from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from accord import __version__
from accord.alignment.api import router as alignment_router
from accord.comms.api import router as comms_router
from accord.consult.api import router as consult_router
from accord.core.api import router as core_router
from accord.core.auth import CompleteSessionAuth, TokenAuth
from accord.core.errors import AccordError
from accord.implementation.api import router as implementation_router
from accord.ledger.api import router as ledger_router
from accord.library.api import router as library_router
from accord.meetings.api import router as meetings_router
from accord.negotiation.api import router as negotiation_router
from accord.verification.api import router as verification_router

api = NinjaAPI(
    title="Accord API",
    version=__version__,
    description=(
        "Coordination platform for allied peace negotiations. Authenticate with "
        "`Authorization: Bearer <token>` (create tokens under /api/v1/tokens or in the web UI) "
        "or with the web session cookie plus CSRF token. Errors have the body "
        '`{"error": {"code", "message", "fields"}}`.'
    ),
    urls_namespace="api",
    auth=[TokenAuth(), CompleteSessionAuth()],
    docs_url="/docs",
    openapi_url="/openapi.json",
)


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


@api.exception_handler(AccordError)
def on_accord_error(request: HttpRequest, exc: AccordError):
    return api.create_response(
        request, error_body(exc.code, exc.message, exc.fields), status=exc.status
    )


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError):
    fields = {}
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "data", "query", "path")]
        fields[".".join(loc) or "body"] = err.get("msg", "invalid")
    summary = "; ".join(f"{k}: {v}" for k, v in fields.items())
    return api.create_response(
        request, error_body("invalid", f"invalid input ({summary})", fields), status=422
    )


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError):
    return api.create_response(
        request,
        error_body(
            "unauthenticated", "sign in, or send a valid API token (Authorization: Bearer …)"
        ),
        status=401,
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError):
    return api.create_response(request, error_body("http_error", str(exc)), status=exc.status_code)


@api.exception_handler(DataError)
def on_data_error(request: HttpRequest, exc: DataError):
    # e.g. a NUL character in a JSON string, which PostgreSQL cannot store; the transaction of
    # the act rolled back, so nothing was written
    return api.create_response(
        request,
        error_body("invalid", "a value cannot be stored (invalid characters or size)"),
        status=422,
    )


@api.exception_handler(Http404)
def on_404(request: HttpRequest, exc: Http404):
    return api.create_response(request, error_body("not_found", "not found"), status=404)


api.add_router("/v1", core_router)
api.add_router("/v1", ledger_router)
api.add_router("/v1", comms_router)
api.add_router("/v1", negotiation_router)
api.add_router("/v1", consult_router)
api.add_router("/v1", meetings_router)
api.add_router("/v1", alignment_router)
api.add_router("/v1", verification_router)
api.add_router("/v1", implementation_router)
api.add_router("/v1", library_router)
