"""The public CLI contract on the embedded default (DESIGN.md: names and last lines)."""

from __future__ import annotations

from sqlalchemy import select

from guestcrm.extensions import db
from guestcrm.models import ApiToken, StaffUser, WebhookCredential


def test_create_user_token_and_webhook_credential_print_their_secrets_last(sqlite_app):
    runner = sqlite_app.test_cli_runner()
    user = runner.invoke(args=["create-user", "desk@hotel.test", "--role", "front_desk",
                               "--property", "ALP1"])
    assert user.exit_code == 0, user.output
    token = runner.invoke(args=["create-token", "booking-engine"])
    cred = runner.invoke(args=["add-webhook-credential", "alpinebits", "cm"])
    assert token.exit_code == 0 and cred.exit_code == 0
    token_line = token.output.strip().splitlines()[-1]
    secret_line = cred.output.strip().splitlines()[-1]
    assert token_line.startswith("gcrm_") and len(secret_line) >= 40
    with sqlite_app.app_context():
        staff = db.session.scalar(select(StaffUser))
        assert staff.role == "front_desk" and [p.code for p in staff.properties] == ["ALP1"]
        stored = db.session.scalar(select(ApiToken.token_hash))
        assert token_line not in stored  # only the hash is kept
        assert db.session.scalar(select(WebhookCredential.secret_hash)) != secret_line


def test_a_webhook_credential_can_be_limited_to_some_hotels(sqlite_app):
    runner = sqlite_app.test_cli_runner()
    cred = runner.invoke(args=["add-webhook-credential", "opentravel", "cm-vienna",
                               "--property", "vie01", "--property", "VIE02"])
    assert cred.exit_code == 0, cred.output
    assert "for hotels VIE01, VIE02" in cred.output
    bad = runner.invoke(args=["add-webhook-credential", "opentravel", "cm-x", "--property", " "])
    assert bad.exit_code != 0 and "not a hotel code" in bad.output
    with sqlite_app.app_context():
        rows = {c.name: c.properties for c in db.session.scalars(select(WebhookCredential))}
    assert rows == {"cm-vienna": ["VIE01", "VIE02"]}


def test_clear_errors_for_unknown_connectors_duplicates_and_missing_configuration(sqlite_app):
    runner = sqlite_app.test_cli_runner()
    assert "unknown connector" in runner.invoke(args=["add-webhook-credential", "x", "n"]).output
    runner.invoke(args=["create-token", "t"])
    assert "exists already" in runner.invoke(args=["create-token", "t"]).output
    pulled = runner.invoke(args=["pull-alpinebits"], env={"GUESTCRM_ALPINEBITS_SOURCES": ""})
    assert pulled.exit_code != 0 and "no AlpineBits source" in pulled.output


def test_the_nightly_pass_runs_in_process_on_the_embedded_default(sqlite_app):
    result = sqlite_app.test_cli_runner().invoke(args=["nightly"])
    assert result.exit_code == 0, result.output
    assert "done" in result.output
