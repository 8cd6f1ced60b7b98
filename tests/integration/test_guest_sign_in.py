"""Guest sign-in at /me against a real OpenID Connect provider process (npm oidc-provider):
the authorization code flow with PKCE through authlib, and its failures: state mismatch, wrong
nonce, tampered or unsigned id_token, replayed code, expired token, an unverified email that
must not link an existing profile."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from guestcrm.models import AuditEntry, ExternalId, GuestProfile, GuestSession
from guestcrm.web.me.blueprint import COOKIE
from tests.integration.perk_support import stay
from tests.oidc_provider import walk_provider

pytestmark = pytest.mark.integration
CALLBACK = "http://localhost/me/callback/testid"


def start(client, next_path: str | None = None) -> str:
    url = "/me/login/testid" + (f"?next={next_path}" if next_path else "")
    answer = client.get(url)
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    location = answer.headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"]
    assert query["nonce"] and query["state"]
    return location


def sign_in(client, login: str = "anna.huber@mail.test"):
    """The whole flow: our redirect, the provider's pages, the callback."""
    back = walk_provider(start(client), login, CALLBACK)
    return client.get(back[len("http://localhost"):])


def signed_in_profile(session) -> GuestProfile:
    row = session.scalar(select(GuestSession).order_by(GuestSession.id.desc()))
    return session.get(GuestProfile, row.profile_id)


def test_a_guest_with_a_verified_email_signs_in_and_lands_on_their_profile(
        portal_client, portal_session):
    earlier = stay(portal_session, "R-77")  # Anna Huber, anna.huber@mail.test
    answer = sign_in(portal_client)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/me/")
    cookie = answer.headers.getlist("Set-Cookie")
    assert any(c.startswith(f"{COOKIE}=") and "HttpOnly" in c and "SameSite=Lax" in c
               and "Path=/me" in c for c in cookie)
    assert signed_in_profile(portal_session).id == earlier.profile_id
    page = portal_client.get("/me/").get_data(as_text=True)
    assert "R-77" not in page and "H1" in page  # the stay, shown by hotel
    link = portal_session.scalar(select(ExternalId).where(ExternalId.kind == "social"))
    assert (link.system, link.value, link.profile_id) == (
        "testid", "anna.huber@mail.test", earlier.profile_id)
    # Signing in again finds the linked account.
    portal_client.post("/me/logout", data={"csrf_token": _csrf(portal_client)})
    assert sign_in(portal_client).status_code == 302
    assert portal_session.scalar(select(func.count()).select_from(ExternalId)
                                 .where(ExternalId.kind == "social")) == 1


def test_an_unverified_email_does_not_link_an_existing_profile(portal_client, portal_session):
    earlier = stay(portal_session, "R-1")
    answer = sign_in(portal_client, "unverified-anna.huber@mail.test")
    assert answer.status_code == 302
    profile = signed_in_profile(portal_session)
    assert profile.id != earlier.profile_id
    # ...and the unverified address is not kept on the new profile either.
    assert [c for c in profile.contacts if c.kind == "email"] == []
    page = portal_client.get("/me/").get_data(as_text=True)
    assert "No stays linked yet" in page


def test_a_state_that_does_not_match_is_refused(portal_client, portal_session):
    back = walk_provider(start(portal_client), "anna.huber@mail.test", CALLBACK)
    tampered = back.replace("state=", "state=x")
    answer = portal_client.get(tampered[len("http://localhost"):])
    assert answer.status_code == 400 and not _signed_in(portal_session)


def test_a_wrong_nonce_is_refused(portal_client, portal_session):
    back = walk_provider(start(portal_client), "anna.huber@mail.test", CALLBACK)
    with portal_client.session_transaction() as stored:
        key = next(k for k in stored if k.startswith("_state_testid_"))
        data = stored[key]
        data["data"]["nonce"] = "not-the-nonce-sent"
        stored[key] = data
    answer = portal_client.get(back[len("http://localhost"):])
    assert answer.status_code == 400 and not _signed_in(portal_session)


def test_a_replayed_code_is_refused(portal_client, portal_session):
    back = walk_provider(start(portal_client), "anna.huber@mail.test", CALLBACK)
    assert portal_client.get(back[len("http://localhost"):]).status_code == 302
    portal_client.post("/me/logout", data={"csrf_token": _csrf(portal_client)})
    sessions = portal_session.scalar(select(func.count()).select_from(GuestSession))
    assert portal_client.get(back[len("http://localhost"):]).status_code == 400
    assert portal_session.scalar(select(func.count()).select_from(GuestSession)) == sessions


def test_tampered_unsigned_and_expired_id_tokens_are_refused(portal_app, portal_client,
                                                             portal_session):
    """The checks the callback runs on the provider's id_token (authlib's, against the
    provider's published keys, and ours on the algorithm), on a real token of the provider."""
    from joserfc.errors import JoseError

    from guestcrm.web.me.providers import client as oauth_client
    from guestcrm.web.me.providers import signed_with_allowed_algorithm

    location = start(portal_client)
    state = parse_qs(urlsplit(location).query)["state"][0]
    with portal_client.session_transaction() as stored:
        data = stored[f"_state_testid_{state}"]["data"]
    back = walk_provider(location, "anna.huber@mail.test", CALLBACK)
    with portal_app.test_request_context():
        provider = oauth_client("testid")
        code = parse_qs(urlsplit(back).query)["code"][0]
        token = provider.fetch_access_token(code=code, redirect_uri=CALLBACK,
                                            code_verifier=data["code_verifier"])
        real = token["id_token"]
        assert provider.parse_id_token(token, nonce=data["nonce"], leeway=0)["email"]
        header, payload, signature = real.split(".")
        claims = json.loads(_b64(payload))
        claims["sub"] = "someone-else"
        forged = ".".join([header, _enc(claims), signature])
        with pytest.raises(JoseError):
            provider.parse_id_token(dict(token, id_token=forged), nonce=data["nonce"])
        unsigned = ".".join([_enc({"alg": "none", "typ": "JWT"}), payload, ""])
        assert not signed_with_allowed_algorithm(unsigned)
        with pytest.raises(JoseError):
            provider.parse_id_token(dict(token, id_token=unsigned), nonce=data["nonce"])
        with pytest.raises(JoseError):  # someone else's nonce
            provider.parse_id_token(token, nonce=data["nonce"] + "x", leeway=0)
        time.sleep(max(0.0, claims["exp"] - time.time()) + 1.1)
        with pytest.raises(JoseError):  # expired (the test provider's tokens live 4 s)
            provider.parse_id_token(token, nonce=data["nonce"], leeway=0)


def test_a_return_url_cannot_lead_off_site(portal_client, portal_session):
    for target in ("https://evil.example/me", "//evil.example/me", "/desk/", "/me\\@evil"):
        back = walk_provider(start(portal_client, target), "anna.huber@mail.test", CALLBACK)
        answer = portal_client.get(back[len("http://localhost"):])
        assert answer.headers["Location"] == "/me/", target
        portal_client.post("/me/logout", data={"csrf_token": _csrf(portal_client)})
    back = walk_provider(start(portal_client, "/me/consent"), "anna.huber@mail.test", CALLBACK)
    assert portal_client.get(back[len("http://localhost"):]).headers["Location"] == "/me/consent"


def test_name_and_language_from_the_provider_are_kept_only_when_the_guest_agrees(
        portal_client, portal_session):
    sign_in(portal_client, "new.guest@mail.test")
    profile = signed_in_profile(portal_session)
    assert profile.first_name is None and profile.language is None
    page = portal_client.get("/me/").get_data(as_text=True)
    assert "Anna Huber" in page  # offered, not kept
    portal_client.post("/me/provider-details", data={"keep": "1",
                                                     "csrf_token": _csrf(portal_client)})
    portal_session.refresh(profile)
    assert (profile.first_name, profile.last_name, profile.language) == ("Anna", "Huber", "de")
    assert portal_session.scalar(select(AuditEntry.action).where(
        AuditEntry.action == "portal.keep_provider_details"))


def _signed_in(session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(GuestSession)))


def _csrf(client) -> str:
    import re

    page = client.get("/me/").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _b64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _enc(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
