"""HTTP answers for errors, in one place: the domain's own (guestcrm/errors.py) and the
status codes views abort with. The API answers JSON; pages answer HTML, and a refused form
goes back to the page it came from with the reason shown."""

from __future__ import annotations

from http import HTTPStatus
from urllib.parse import urlsplit

from flask import Flask, flash, jsonify, redirect, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from guestcrm.errors import DomainError
from guestcrm.extensions import db

# Every status code a view aborts with: a page outside /api/ (never JSON to a browser), JSON
# with the code, status, message and any field errors under /api/.
PAGE_MESSAGES = {
    400: "The request was not understood.",
    403: "You do not have access to this page.",
    404: "Not found.",
    405: "That action is not possible here.",
    413: "Too large.",
    422: "That could not be done.",
    429: "Too many attempts; wait a minute.",
}


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, lambda err: _answer(400, err.description))
    for code, message in PAGE_MESSAGES.items():
        app.register_error_handler(
            code, lambda err, code=code, message=message: _answer(code, message, err)
        )


def _domain_error(err: DomainError) -> Response | tuple[Response | str, int]:
    db.session.rollback()
    back = request.referrer
    if (request.method == "POST" and err.status != 404 and not _in_api()
            and _same_site(back)):
        flash(str(err), "error")
        return redirect(back)
    return _answer(err.status, str(err))


def _answer(code: int, message: str, err: HTTPException | None = None
            ) -> tuple[Response | str, int]:
    # flask-smorest's abort(..., message=..., errors=...) keeps both in `data`
    data = getattr(err, "data", None) or {}
    detail = data.get("message") or (err.description if err is not None else None) or message
    if _in_api():
        body = {"code": code, "status": HTTPStatus(code).phrase, "message": detail}
        errors = data.get("errors") or data.get("messages")  # webargs: field errors
        if errors:
            body["errors"] = errors
        return jsonify(body), code
    return render_template("error.html", code=code, message=detail), code


def _in_api() -> bool:
    return request.path.startswith("/api/")


def _same_site(url: str | None) -> bool:
    if not url:
        return False
    parts = urlsplit(url)
    return parts.netloc == request.host and parts.scheme in ("http", "https")
