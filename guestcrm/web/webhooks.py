"""POST /webhooks/<connector>: authenticate, check, store, enqueue, answer. Nothing else."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request
from marshmallow import ValidationError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import RequestEntityTooLarge

from connectors.base import ConnectorError, UnknownConnector
from connectors.registry import get_connector
from guestcrm.extensions import csrf, db, limiter
from guestcrm.jobs.inbox import schedule_processing
from guestcrm.services.access.credentials import WebhookAuthCache, WebhookGrant, check_webhook_basic
from guestcrm.services.ingest.connections import hotels_of_accounts
from guestcrm.services.ingest.inbox import accept_message

log = logging.getLogger(__name__)
bp = Blueprint("webhooks", __name__)
# Seconds a successful credential check is remembered per process (config
# WEBHOOK_AUTH_CACHE_SECONDS, 0 = ask the database every time): a credential revoked in the
# database may keep working that long. See services.credentials.WebhookAuthCache.
AUTH_CACHE_SECONDS = 30


@bp.post("/webhooks/<name>")
@csrf.exempt
@limiter.exempt
def receive(name: str) -> Response:
    try:
        connector = get_connector(name)
    except UnknownConnector:
        return _plain(f"unknown connector {name!r}", 404)
    request.max_content_length = current_app.config["WEBHOOK_MAX_BYTES"]
    if (request.content_length or 0) > request.max_content_length:
        return _refuse(connector, "body larger than the limit", 413)
    try:
        grant = _authenticate(name)
    except DBAPIError:
        db.session.rollback()
        return _plain("database unavailable, retry later", 503)
    if grant is None:
        resp = _plain("authentication required", 401)
        resp.headers["WWW-Authenticate"] = f'Basic realm="guestcrm-{name}"'
        return resp
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        return _refuse(connector, "body larger than the limit", 413)
    if getattr(connector, "fetches", False):
        return _accept_notification(name, connector, grant, raw)
    try:  # a form (AlpineBits) is read by its connector from the raw body
        message = connector.extract(raw, request.content_type or "", {})
        message.headers = _vendor_headers()
        direct = getattr(connector, "direct_answer", None)
        answer = direct(message) if direct else None
        if answer is not None:
            return Response(answer[0], status=answer[2], content_type=answer[1])
        # Refuse at the door what could never be ingested; the answer reuses this parse.
        message.parsed = connector.parse(message)
    except (ConnectorError, ValidationError) as exc:
        reason = str(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return _refuse(connector, reason, 400)
    return _store(name, connector, grant, message,
                  [r.property_code for r in message.parsed.reservations])


def _store(name: str, connector, grant: WebhookGrant, message, hotels: list[str]) -> Response:
    """The credential's hotels checked, the message stored and handed on, the answer given."""
    refused = grant.refused_hotels(hotels)
    if refused:
        db.session.rollback()
        return _refuse(connector, f"credential {grant.name!r} may not post for hotel "
                                  f"{', '.join(refused)}", 403)
    try:
        accepted = accept_message(db.session, name, message, credential=grant.name)
    except DBAPIError:
        db.session.rollback()
        log.exception("webhook %s: database unavailable", name)
        return _plain("database unavailable, retry later", 503)
    if not accepted.duplicate or accepted.event.status == "received":
        _enqueue(accepted.event.id)
    body, content_type = connector.accepted_response(message)
    return Response(body, status=200, content_type=content_type)


def _accept_notification(name: str, connector, grant: WebhookGrant, raw: bytes) -> Response:
    """A cloud PMS event (an id, not the data): checked, stored, handed on to be fetched."""
    try:
        message = connector.extract(raw, request.content_type or "", {})
        notes = connector.notifications(message)
    except ConnectorError as exc:
        return _refuse(connector, str(exc), 400)
    hotels: list[str] = []
    if grant.properties is not None:  # only then is the vendor's account looked up
        codes = hotels_of_accounts(db.session, name, {n.account for n in notes})
        hotels = [codes.get(n.account, n.account) for n in notes]
    message.headers = _vendor_headers()
    return _store(name, connector, grant, message, hotels)


def _authenticate(name: str) -> WebhookGrant | None:
    """HTTP Basic, or for vendors that cannot send it (Mews, Cloudbeds) the credential in the
    URL they post to: `?credential=NAME&token=SECRET` (kept out of the access log, which
    writes no query strings)."""
    auth = request.authorization
    if auth is not None and auth.type == "basic" and auth.username and auth.password is not None:
        user, secret = auth.username, auth.password
    elif request.args.get("credential") and request.args.get("token"):
        user, secret = request.args["credential"], request.args["token"]
    else:
        return None
    grant = check_webhook_basic(
        db.session,
        name,
        user,
        secret,
        current_app.config["WEBHOOK_ENV_CREDENTIALS"],
        cache=_auth_cache(),
    )
    if grant is None:
        db.session.rollback()
    return grant  # a transaction the check opened goes on with the insert


def _auth_cache() -> WebhookAuthCache:
    extensions = current_app.extensions
    cache = extensions.get("guestcrm_webhook_auth_cache")
    if cache is None:
        ttl = current_app.config.get("WEBHOOK_AUTH_CACHE_SECONDS", AUTH_CACHE_SECONDS)
        cache = extensions.setdefault("guestcrm_webhook_auth_cache", WebhookAuthCache(ttl))
    return cache


def _enqueue(inbox_id: int) -> None:
    try:
        schedule_processing(inbox_id)
    except Exception:  # Redis down, or an inline job failed: stored; the reconciler retries it
        db.session.rollback()
        log.exception("inbox event %s stored but not processed now", inbox_id)


def _vendor_headers() -> dict[str, str]:
    keep = ("X-AlpineBits-ClientID", "X-AlpineBits-ClientProtocolVersion", "User-Agent")
    return {h: request.headers[h][:200] for h in keep if h in request.headers}


def _refuse(connector, reason: str, status: int) -> Response:
    body, content_type, proto_status = connector.error_response(reason)
    return Response(
        body, status=status if status != 400 else proto_status, content_type=content_type
    )


def _plain(text: str, status: int) -> Response:
    return Response(text + "\n", status=status, content_type="text/plain; charset=utf-8")
