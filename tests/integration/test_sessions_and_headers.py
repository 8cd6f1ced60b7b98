"""Sessions end when they should, cookies and headers are strict, and the sign-in limit holds
per account and address behind a trusted proxy (issue #12, defects 5, 7 and 8)."""

from __future__ import annotations

import pytest
from flask import g
from flask_limiter.util import get_remote_address

from guestcrm import create_app
from guestcrm.services.access.staff import change_password
from tests.factories import PASSWORD, csrf_from, sign_in, staff

pytestmark = pytest.mark.integration


def copied_cookie(client) -> str:
    return client.get_cookie("guestcrm_session").value


def replay(app, cookie: str):
    """Another browser presenting a copy of the session cookie. The test's app context is
    shared by every request of the test, so flask-login's per-context user is dropped first."""
    g.pop("_login_user", None)
    other = app.test_client()
    other.set_cookie("guestcrm_session", cookie)
    return other.get("/admin/inbox")


def test_a_copied_session_cookie_is_dead_after_sign_out(app, client, db_session):
    token = sign_in(client, staff("admin"))
    cookie = copied_cookie(client)
    assert replay(app, cookie).status_code == 200
    client.post("/logout", data={"csrf_token": token})
    response = replay(app, cookie)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_password_change_ends_the_accounts_sessions(app, client, db_session):
    user = staff("admin")
    sign_in(client, user)
    cookie = copied_cookie(client)
    change_password(db_session, user, "a brand new passphrase", actor="test")
    assert replay(app, cookie).status_code == 302


def test_a_deactivated_user_is_signed_out_at_once_and_cannot_sign_in(app, client, db_session):
    user = staff("admin")
    sign_in(client, user)
    cookie = copied_cookie(client)
    result = app.test_cli_runner().invoke(args=["deactivate-user", user.email])
    assert result.exit_code == 0, result.output
    assert replay(app, cookie).status_code == 302
    page = client.get("/login").get_data(as_text=True)
    again = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                        "csrf_token": csrf_from(page)})
    assert again.status_code == 401


def test_deactivating_an_unknown_account_says_so(app):
    result = app.test_cli_runner().invoke(args=["deactivate-user", "nobody@hotel.test"])
    assert result.exit_code != 0 and "no staff account" in result.output


def test_pages_carry_a_content_security_policy_and_no_inline_script_runs(client):
    response = client.get("/login")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP, not production


def test_production_forces_secure_cookies_and_sends_hsts(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a production secret")
    monkeypatch.delenv("GUESTCRM_SECURE_COOKIES", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "REDIS_URL": None,
                      "GUESTCRM_ENV": "production", "PUBLIC_URL": "https://crm.hotel.test"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def tries(client, email: str, count: int, address: str = "10.0.0.9") -> list[int]:
    page = client.get("/login").get_data(as_text=True)
    token = csrf_from(page)
    return [client.post("/login", data={"email": email, "password": "wrong password!",
                                        "csrf_token": token},
                        environ_base={"REMOTE_ADDR": address}).status_code
            for _ in range(count)]


def test_one_account_guessed_at_is_throttled_while_a_colleague_behind_the_same_address_is_not(
        client, db_session):
    staff("front_desk", "ALP1", email="anna@hotel.test")
    staff("front_desk", "ALP1", email="bert@hotel.test")
    assert tries(client, "anna@hotel.test", 11)[-1] == 429
    assert tries(client, "bert@hotel.test", 1) == [401]


def test_a_forged_forwarded_for_is_ignored_unless_a_proxy_is_trusted():
    plain = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "REDIS_URL": None})
    proxied = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "REDIS_URL": None,
                          "TRUSTED_PROXIES": 1})
    proxied.wsgi_app = type(proxied.wsgi_app)(proxied.wsgi_app.app, x_for=1, x_proto=1)
    seen = {}
    for name, app in (("plain", plain), ("proxied", proxied)):
        @app.get("/_address")
        def address(name=name):
            seen[name] = get_remote_address()
            return ""
        app.test_client().get("/_address", headers={"X-Forwarded-For": "203.0.113.7"},
                              environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert seen == {"plain": "10.0.0.1", "proxied": "203.0.113.7"}


def test_workers_share_the_sign_in_limit_through_redis(pg_database, redis_test_url, committed_db):
    """Two app processes (as two gunicorn workers) count one account's tries together."""
    config = {"SQLALCHEMY_DATABASE_URI": pg_database, "REDIS_URL": redis_test_url,
              "RATELIMIT_STORAGE_URI": redis_test_url, "SECRET_KEY": "shared"}
    workers = [create_app(config).test_client() for _ in range(2)]
    answers = []
    for attempt in range(12):
        worker = workers[attempt % 2]
        token = csrf_from(worker.get("/login").get_data(as_text=True))
        answers.append(worker.post("/login", data={
            "email": "shared-limit@hotel.test", "password": "wrong password!",
            "csrf_token": token}, environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code)
    assert answers[:10] == [401] * 10 and answers[10:] == [429, 429]


def test_production_needs_the_public_address_for_links_in_mails(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a production secret")
    with pytest.raises(RuntimeError, match="GUESTCRM_PUBLIC_URL"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "REDIS_URL": None,
                    "GUESTCRM_ENV": "production", "PUBLIC_URL": None})
