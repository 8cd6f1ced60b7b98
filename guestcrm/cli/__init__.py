"""flask --app wsgi <command>: one module per command group."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import click
from flask import Flask

from guestcrm.cli import access, cloud, demo, hotels, identity, imports, privacy, workers
from guestcrm.errors import DomainError

GROUPS = (access, imports, cloud, demo, workers, identity, hotels, privacy)


def register_cli(app: Flask) -> None:
    before = set(app.cli.commands)
    for group in GROUPS:
        group.register(app)
    for name in set(app.cli.commands) - before:
        _tell_refusals(app.cli.commands[name])


def _tell_refusals(command: click.Command) -> None:
    """What the domain refuses (guestcrm/errors.py) ends the command with its reason and a
    non-zero exit, in one place rather than a try/except in every command."""
    callback: Callable[..., Any] | None = command.callback
    if callback is None:
        return

    @wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except DomainError as exc:
            raise click.ClickException(str(exc)) from exc

    command.callback = run
