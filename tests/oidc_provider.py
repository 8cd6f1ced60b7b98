"""The real OpenID Connect provider (npm oidc-provider, tests/oidc/provider.mjs) as a process for
the tests, and the walk through its login and consent pages that a guest would make."""

from __future__ import annotations

import json
import re
import subprocess
import threading
from html import unescape
from pathlib import Path
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
CLIENT_ID, CLIENT_SECRET = "guestcrm", "guestcrm-test-secret"


def provider_settings(issuer: str) -> dict[str, dict[str, str]]:
    return {"testid": {"issuer": issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                       "label": "Test ID"}}


class OidcProvider:
    def __init__(self, redirect_uris: list[str], id_token_seconds: int = 600) -> None:
        self.redirect_uris, self.ttl = redirect_uris, id_token_seconds
        self.process: subprocess.Popen | None = None
        self.issuer = ""

    def start(self) -> None:
        if not (ROOT / "node_modules" / "oidc-provider").is_dir():
            raise RuntimeError("oidc-provider is required for the guest sign-in tests "
                               "(scripts/install.sh --test installs it with npm ci)")
        self.process = subprocess.Popen(
            ["node", str(SCRIPT), "0", ",".join(self.redirect_uris), str(self.ttl)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        found = threading.Event()

        def read() -> None:
            assert self.process is not None and self.process.stdout is not None
            for line in self.process.stdout:
                if line.startswith("{") and not found.is_set():
                    self.issuer = json.loads(line)["issuer"]
                    found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(30):
            self.stop()
            raise RuntimeError("the OpenID Connect provider did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)


def walk_provider(authorize_url: str, login: str, stop_at: str) -> str:
    """Follow the provider from its authorization URL through login and consent, as a guest
    would, up to the redirect back to us (a URL starting with `stop_at`), which is returned."""
    browser = requests.Session()
    url, method, data = authorize_url, "GET", None
    for _ in range(20):
        answer = browser.request(method, url, data=data, allow_redirects=False, timeout=10)
        if answer.is_redirect:
            url, method, data = urljoin(url, answer.headers["Location"]), "GET", None
            if url.startswith(stop_at):
                return url
            continue
        form = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', answer.text, re.S)
        if answer.status_code != 200 or form is None:
            raise AssertionError(f"unexpected provider page {answer.status_code}: "
                                 f"{answer.text[:500]}")
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(2)))
        fields = {k: unescape(v) for k, v in fields.items()}
        if 'name="login"' in form.group(2):
            fields.update(login=login, password="any")
        url, method, data = urljoin(url, unescape(form.group(1))), "POST", fields
    raise AssertionError("the provider never redirected back")
