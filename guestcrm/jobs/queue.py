"""The job queue: rq's named queues with a timeout and retries when REDIS_URL is set, run by
`flask --app wsgi worker`; without it (the embedded default) a job runs in-process right after
the request's commit: the same functions, the same code path."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

QUEUE_NAMES = ("ingest", "default", "backfill")
RETRY_INTERVALS = [5, 30, 120]


class JobQueue:
    """Enqueue jobs by function; rq when Redis is configured, inline otherwise."""

    def __init__(self, app: Flask) -> None:
        self.redis_url = app.config.get("REDIS_URL")
        self.timeout = app.config["JOB_TIMEOUT"]
        self._redis = None
        self._queues: dict = {}  # name -> rq Queue on the current connection
        self._retry = None

    @property
    def inline(self) -> bool:
        return not self.redis_url

    def connection(self):
        from redis import Redis

        if self._redis is None:
            self._redis = Redis.from_url(self.redis_url)
        return self._redis

    def queue(self, name: str = "ingest"):
        """The rq Queue, made once per name and connection (a new connection gets new ones)."""
        from rq import Queue

        connection = self.connection()
        queue = self._queues.get(name)
        if queue is None or queue.connection is not connection:
            queue = Queue(name, connection=connection, default_timeout=self.timeout)
            self._queues[name] = queue
        return queue

    def enqueue(self, func: Callable, *args, queue: str = "ingest") -> None:
        if self.inline:
            func(*args)
            return
        from rq import Retry

        if self._retry is None:  # read only by rq (copied onto each job): shared
            self._retry = Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS)
        rq_queue = self.queue(queue)
        # One round trip: rq writes the job, its status and the queue entry in one MULTI/EXEC.
        with rq_queue.connection.pipeline() as pipe:
            rq_queue.enqueue(func, *args, retry=self._retry, job_timeout=self.timeout,
                             pipeline=pipe)
            pipe.execute()



def init_jobs(app: Flask) -> None:
    app.extensions["guestcrm_jobs"] = JobQueue(app)


def job_queue() -> JobQueue:
    return current_app.extensions["guestcrm_jobs"]
