"""authlib's Flask client registry with the configured sign-in providers: authorization code
flow with state, PKCE (S256) where the provider takes it, and for OpenID Connect a nonce and a
signed id_token checked against the provider's published keys. One registry per app."""

from __future__ import annotations

import base64
import json

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

from connectors.social.providers import SocialProvider, configured_providers

# Signature algorithms an id_token may use: asymmetric only, never "none" or a shared secret.
ID_TOKEN_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
                       "ES384", "ES512", "EdDSA")


def register_providers(app: Flask) -> None:
    registry = OAuth(app)
    providers = configured_providers(app.config.get("GUEST_PROVIDERS") or {})
    for provider in providers:
        kwargs = {"scope": provider.scope}
        if provider.pkce:
            kwargs["code_challenge_method"] = "S256"
        registry.register(
            provider.name, client_id=provider.client_id, client_secret=provider.client_secret,
            server_metadata_url=provider.metadata_url, authorize_url=provider.authorize_url,
            access_token_url=provider.access_token_url, userinfo_endpoint=provider.userinfo_url,
            client_kwargs=kwargs)
    app.extensions["guestcrm_oauth"] = registry
    app.extensions["guestcrm_providers"] = {p.name: p for p in providers}


def providers() -> dict[str, SocialProvider]:
    return current_app.extensions["guestcrm_providers"]


def client(name: str):
    return current_app.extensions["guestcrm_oauth"].create_client(name)


def signed_with_allowed_algorithm(id_token: str) -> bool:
    """Whether the id_token's header names an asymmetric signature (not "none", not HS*)."""
    try:
        header = id_token.split(".")[0]
        data = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except (ValueError, IndexError):
        return False
    return isinstance(data, dict) and data.get("alg") in ID_TOKEN_ALGORITHMS
