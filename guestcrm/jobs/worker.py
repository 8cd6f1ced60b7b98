"""The rq worker that gives every job the app context: jobs never build the app themselves."""

from __future__ import annotations

from typing import Any

from flask import Flask
from rq import SimpleWorker


class AppWorker(SimpleWorker):
    """SimpleWorker runs jobs in its own process (no fork per job: one warm app and DB pool);
    each job gets a fresh app context, so its database session ends with it."""

    def __init__(self, *args: Any, app: Flask, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = app

    def execute_job(self, job: Any, queue: Any) -> Any:
        with self.app.app_context():
            return super().execute_job(job, queue)
