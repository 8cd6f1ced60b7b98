"""The README's first command runs several gunicorn workers without a SECRET_KEY: they must
share one key (instance/secret_key), or about half of all page loads bounce to the sign-in."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from guestcrm.config import instance_secret_key

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "one key for all workers"

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def flask(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=120)


def test_one_sign_in_holds_across_several_gunicorn_workers(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "REDIS_URL")}
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'workers.sqlite3'}",
            "GUESTCRM_NEW_PASSWORD": PASSWORD}
    flask(env, "db", "upgrade")
    flask(env, "create-user", "desk@hotel.test", "--role", "admin", "--property", "ALP1")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "3", "--bind", f"127.0.0.1:{port}",
         "wsgi:app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(base + "/healthz", timeout=5)
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        session = requests.Session()
        page = session.get(base + "/login", timeout=5).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        signed_in = session.post(base + "/login", timeout=5, allow_redirects=False, data={
            "email": "desk@hotel.test", "password": PASSWORD, "csrf_token": token})
        assert signed_in.status_code == 302, signed_in.text[:300]
        answers = [session.get(base + "/admin/inbox", timeout=5, allow_redirects=False)
                   .status_code for _ in range(50)]
    finally:
        server.terminate()
        server.wait(10)
    assert answers == [200] * 50


def test_the_key_is_made_once_and_read_back_by_everyone(tmp_path):
    first = instance_secret_key(tmp_path)
    assert len(first) == 64 and instance_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert list(tmp_path.iterdir()) == [tmp_path / "secret_key"]  # no temporary file left
