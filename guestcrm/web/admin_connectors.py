"""/admin/connectors: each hotel's cloud PMS connection, test it, sync it, backfill its history."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from connectors.http_client import VendorError
from guestcrm.errors import DomainError
from guestcrm.extensions import db
from guestcrm.jobs.cloud import enqueue_backfill, sync_one
from guestcrm.jobs.queue import job_queue
from guestcrm.models import BackfillRun, ConnectorConnection
from guestcrm.services.ingest.cloud_sync import progress_of, start_backfill
from guestcrm.services.ingest.connections import (
    CLOUD_CONNECTORS,
    DEFAULT_URLS,
    ConnectionForm,
    api_for,
    connection_rows,
    record_vendor_error,
    save_connection,
)
from guestcrm.web.access import roles_required

bp = Blueprint("admin_connectors", __name__, url_prefix="/admin")
RECENT_RUNS = 20


def _actor() -> str:
    return f"staff:{current_user.id}"


def _row(connection_id: int) -> ConnectorConnection:
    return db.session.get(ConnectorConnection, connection_id) or abort(404)


@bp.get("/connectors")
@roles_required("admin")
def connectors():
    edit = request.args.get("edit", type=int)
    return _page(editing=db.session.get(ConnectorConnection, edit) if edit else None)


def _page(editing: ConnectorConnection | None = None, form: ConnectionForm | None = None,
          status: int = 200):
    return render_template("admin/connectors.html", rows=connection_rows(db.session),
                           vendors=CLOUD_CONNECTORS, defaults=DEFAULT_URLS, editing=editing,
                           runs=_runs(), form=form), status


@bp.get("/connectors/backfills")
@roles_required("admin")
def backfills():
    """The backfill list alone (the page polls it while one runs)."""
    return render_template("admin/_backfills.html", runs=_runs())


def _runs() -> list[tuple[BackfillRun, ConnectorConnection, object]]:
    rows = db.session.execute(
        select(BackfillRun, ConnectorConnection)
        .join(ConnectorConnection, ConnectorConnection.id == BackfillRun.connection_id)
        .order_by(BackfillRun.id.desc()).limit(RECENT_RUNS)).all()
    return [(run, row, progress_of(run)) for run, row in rows]


@bp.post("/connectors")
@roles_required("admin")
def save():
    form = ConnectionForm(
        connector=request.form.get("connector", ""),
        property_code=request.form.get("property_code", "").strip(),
        account=request.form.get("account", ""),
        base_url=request.form.get("base_url", ""),
        token_url=request.form.get("token_url", ""),
        client_id=request.form.get("client_id", ""),
        secret=request.form.get("secret", ""),
        enabled=request.form.get("enabled") == "on")
    try:
        row = save_connection(db.session, form, current_app.config, _actor())
    except DomainError as exc:
        db.session.rollback()
        flash(f"Not saved: {exc}", "error")
        form.secret = ""  # never sent back to the page
        return _page(form=form, status=422)
    flash(f"Connection {row.connector} · {row.property_code} saved.", "info")
    return redirect(url_for("admin_connectors.connectors"))


@bp.post("/connectors/<id:connection_id>/test")
@roles_required("admin")
def test(connection_id: int):
    """Call the vendor once with the stored credentials and say what came back."""
    row = _row(connection_id)
    try:
        result = "OK: " + api_for(row, current_app.config).probe()
        row.last_error = None
    except (VendorError, DomainError) as exc:
        result = f"Failed: {exc}"
        if isinstance(exc, VendorError):
            record_vendor_error(row, str(exc))
    row.last_test_at, row.last_test_result = datetime.now(UTC), result[:1000]
    db.session.commit()
    flash(f"{row.connector} · {row.property_code}: {result}",
          "info" if result.startswith("OK") else "error")
    return redirect(url_for("admin_connectors.connectors"))


@bp.post("/connectors/<id:connection_id>/sync")
@roles_required("admin")
def sync(connection_id: int):
    row = _row(connection_id)
    queue = job_queue()
    if not queue.inline:
        queue.enqueue(sync_one, row.id, queue="default")
        flash(f"Sync of {row.connector} · {row.property_code} queued.", "info")
        return redirect(url_for("admin_connectors.connectors"))
    report = sync_one(row.id)
    if report["error"]:
        flash(f"Sync failed, cursor left where it was: {report['error']}", "error")
    else:
        flash(f"Synced {report['reservations']} reservations in {report['pages']} pages.", "info")
    return redirect(url_for("admin_connectors.connectors"))


@bp.post("/connectors/<id:connection_id>/backfill")
@roles_required("admin")
def backfill(connection_id: int):
    row = _row(connection_id)
    try:
        run = start_backfill(db.session, row, _actor())
    except DomainError as exc:
        db.session.rollback()
        flash(f"Not started: {exc}", "error")
        return redirect(url_for("admin_connectors.connectors"))
    enqueue_backfill(run.id)
    flash(f"Backfill {run.id} of {row.connector} · {row.property_code} started.", "info")
    return redirect(url_for("admin_connectors.connectors"))


@bp.post("/connectors/backfills/<id:run_id>/resume")
@roles_required("admin")
def resume(run_id: int):
    run = db.session.get(BackfillRun, run_id) or abort(404)
    if run.status == "done":
        flash(f"Backfill {run.id} is done already.", "info")
    else:
        enqueue_backfill(run.id)
        flash(f"Backfill {run.id} resumes from page {run.pages + 1}.", "info")
    return redirect(url_for("admin_connectors.connectors"))
