"""Guest sign-in providers as data: where each one's endpoints are, what to ask for, and how to
read who signed in from what it returns. Google, Apple and LinkedIn speak OpenID Connect
(discovery, signed id_token, `email_verified`); Facebook and X are OAuth 2 with a user-info
call and no verified-email claim, so their email never links a profile. Any other OpenID
Connect provider is configured by its issuer URL. The Flask side (authlib's client registry)
is in guestcrm/web/me/providers.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SocialProvider:
    name: str
    label: str
    client_id: str
    client_secret: str
    scope: str
    metadata_url: str | None = None  # OpenID Connect discovery document
    authorize_url: str | None = None  # OAuth 2 providers without discovery
    access_token_url: str | None = None
    userinfo_url: str | None = None
    pkce: bool = True

    @property
    def oidc(self) -> bool:
        return self.metadata_url is not None


@dataclass(frozen=True)
class SignInClaims:
    """Who signed in, as the provider says."""

    subject: str | None
    email: str | None
    email_verified: bool
    given_name: str | None = None
    family_name: str | None = None
    locale: str | None = None
    picture: str | None = None


PRESETS: dict[str, dict[str, Any]] = {
    "google": {"label": "Google", "scope": "openid email profile",
               "metadata_url": "https://accounts.google.com/.well-known/openid-configuration"},
    "apple": {"label": "Apple", "scope": "openid email name",
              "metadata_url": "https://appleid.apple.com/.well-known/openid-configuration"},
    "linkedin": {"label": "LinkedIn", "scope": "openid email profile",
                 "metadata_url": "https://www.linkedin.com/oauth/.well-known/"
                                 "openid-configuration"},
    "facebook": {"label": "Facebook", "scope": "public_profile email", "pkce": False,
                 "authorize_url": "https://www.facebook.com/v19.0/dialog/oauth",
                 "access_token_url": "https://graph.facebook.com/v19.0/oauth/access_token",
                 "userinfo_url": "https://graph.facebook.com/me?fields=id,first_name,"
                                 "last_name,email"},
    "x": {"label": "X", "scope": "users.read tweet.read",
          "authorize_url": "https://x.com/i/oauth2/authorize",
          "access_token_url": "https://api.x.com/2/oauth2/token",
          "userinfo_url": "https://api.x.com/2/users/me"},
}
MAX_PROVIDERS = 12


def configured_providers(settings: Mapping[str, Mapping[str, str]]) -> list[SocialProvider]:
    """The providers with credentials in `settings` (name -> client_id, client_secret, and
    issuer + label for other OpenID Connect providers); the others do not appear."""
    out = []
    for name, values in sorted(settings.items())[:MAX_PROVIDERS]:
        client_id, secret = values.get("client_id"), values.get("client_secret")
        if not client_id or not secret:
            continue
        preset = PRESETS.get(name)
        if preset is not None:
            out.append(SocialProvider(name=name, client_id=client_id, client_secret=secret,
                                      **preset))
        elif values.get("issuer"):
            issuer = values["issuer"].rstrip("/")
            out.append(SocialProvider(
                name=name, label=values.get("label") or name.replace("_", " ").title(),
                client_id=client_id, client_secret=secret, scope="openid email profile",
                metadata_url=f"{issuer}/.well-known/openid-configuration"))
    return out


def claims_from(provider: SocialProvider, id_claims: Mapping[str, Any] | None,
                userinfo: Mapping[str, Any] | None) -> SignInClaims:
    """Read the signed-in person from the id_token's claims (OpenID Connect) or the
    user-info answer (OAuth 2). Only an OpenID Connect `email_verified: true` counts as
    verified."""
    if provider.oidc:
        claims = dict(id_claims or {})
        subject = claims.get("sub")
        verified = claims.get("email_verified") in (True, "true")
        return SignInClaims(
            subject=_text(subject), email=_text(claims.get("email")), email_verified=verified,
            given_name=_text(claims.get("given_name")),
            family_name=_text(claims.get("family_name")), locale=_text(claims.get("locale")),
            picture=_text(claims.get("picture")))
    info = dict(userinfo or {})
    if provider.name == "x":
        info = dict(info.get("data") or {})
        return SignInClaims(subject=_text(info.get("id")), email=None, email_verified=False,
                            given_name=_text(info.get("name")))
    return SignInClaims(subject=_text(info.get("id")), email=_text(info.get("email")),
                        email_verified=False, given_name=_text(info.get("first_name")),
                        family_name=_text(info.get("last_name")))


def _text(value: Any, limit: int = 255) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = str(value).strip()
    return text[:limit] or None
