"""A real rq worker (what `flask --app wsgi worker` runs) in burst mode, for the tests."""

from __future__ import annotations

from rq import SimpleWorker


class BurstWorker(SimpleWorker):
    # rq joins its command pubsub thread (sleep_time=60) at teardown; a burst that ends before
    # the subscription is confirmed then waits a minute. A burst takes no commands.
    def subscribe(self) -> None:
        pass


def run_burst(jobs, *queue_names: str) -> None:
    """Work the named queues of the app's job queue until they are empty (app context needed
    for the jobs: the caller's)."""
    BurstWorker([jobs.queue(name) for name in queue_names],
                connection=jobs.connection()).work(burst=True)
