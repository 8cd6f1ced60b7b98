"""The access log holds no personal data: no query string, no referrer (issue #12, defect 12)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.integration.test_one_key_for_all_workers import ROOT, flask, free_port

pytestmark = pytest.mark.integration


def test_guest_look_ups_leave_no_name_email_or_phone_in_the_access_log(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "REDIS_URL")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'log.sqlite3'}"
    flask(env, "db", "upgrade")
    log: Path = tmp_path / "access.log"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", str(log), "wsgi:app"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not log.exists() or "healthz" not in log.read_text():
            try:
                requests.get(base + "/healthz", timeout=5)
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        requests.get(base + "/desk/?q=Katharina+M%C3%BCller&property=ALP1", timeout=5,
                     headers={"Referer": base + "/desk/?q=Katharina"})
        requests.get(base + "/api/v1/guests?email=katharina%40example.org", timeout=5)
        requests.get(base + "/api/v1/guests?phone=%2B43664123456", timeout=5)
    finally:
        server.terminate()
        server.wait(10)
    written = log.read_text()
    assert "/desk/" in written and "/api/v1/guests" in written  # the requests were logged
    for personal in ("Katharina", "katharina", "example.org", "43664123456", "q="):
        assert personal not in written, written
