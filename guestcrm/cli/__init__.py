"""flask --app wsgi <command>: one module per command group."""

from __future__ import annotations

from flask import Flask

from guestcrm.cli import access, demo, hotels, identity, imports, workers


def register_cli(app: Flask) -> None:
    for group in (access, imports, demo, workers, identity, hotels):
        group.register(app)
