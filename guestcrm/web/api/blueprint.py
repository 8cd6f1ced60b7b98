"""The API blueprint, its OpenAPI document, and the token check every route goes through:
a valid bearer token (401 otherwise), the scope the route needs (403 naming it), and the
hotels the token is limited to."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request
from flask_smorest import Api, Blueprint, abort

from guestcrm.extensions import db
from guestcrm.services.access.tokens import SCOPES, ApiGrant, find_api_token

api = Api()
bp = Blueprint(
    "api", __name__, url_prefix="/api/v1", description="Guest profiles for booking engines"
)
SECURITY = [{"bearerAuth": []}]
BEARER = {
    "type": "http", "scheme": "bearer",
    "description": "An API token from `flask --app wsgi create-token NAME [--scope S ...] "
                   "[--property CODE ...]`. Scopes: " + ", ".join(SCOPES) + " (a token made "
                   "without --scope has them all). A token limited to hotels sees only guests "
                   "with a stay there. A missing scope answers 403 naming it; a revoked or "
                   "unknown token 401.",
}


@bp.before_request
def require_token() -> None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    grant = (
        find_api_token(db.session, token.strip()) if scheme.lower() == "bearer" and token else None
    )
    if grant is None:
        abort(401, message="a valid API token is required (Authorization: Bearer <token>)")
    if db.session.dirty:  # "last used" moved on (at most once a minute): one commit for it
        db.session.commit()
    g.api_grant = grant


def grant() -> ApiGrant:
    return g.api_grant


def needs_scope(scope: str) -> Callable:
    """The route answers 403 to a token without `scope`; the document says which it needs."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope}")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if scope not in grant().scopes:
                abort(403, message=f"this token lacks the scope {scope}")
            return view(*args, **kwargs)

        return bp.doc(security=SECURITY, description=f"Needs the scope `{scope}`.")(wrapped)

    return decorator
