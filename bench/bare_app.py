"""The baseline beside the webhook: a bare Flask endpoint at the same path that reads the body
and answers 200, served by gunicorn with the same settings (bench/ingest.py)."""

from __future__ import annotations

from flask import Flask, request

app = Flask(__name__)


@app.post("/webhooks/<name>")
def receive(name: str) -> tuple[str, int]:
    request.get_data()
    return "OK", 200
