"""Python's cyclic garbage collector, set for draining batches.

A batch creates and drops hundreds of thousands of small objects (ORM states, parsed XML,
canonical reservations). With the interpreter's defaults a collection runs every 700 new
objects, and every tenth of those also walks the older generation, which in a worker holds
the whole application: its modules, mappers and compiled statements, none of which will ever
be garbage. Measured with callgrind on one worker draining 300 fake PMS events: freezing what
the worker loaded before its first batch, and collecting the youngest generation every 10,000
new objects, saved 8% of the worker's instructions.

Reference counting still frees everything at once; only the search for cycles runs less often.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_THRESHOLD = 10_000
_frozen = False


@contextmanager
def tuned_for_batches() -> Iterator[None]:
    """Inside the block: what the process holds so far is frozen (once per process: it is
    the application, loaded for good) and young objects are collected less often."""
    global _frozen
    if not _frozen:
        gc.collect()  # nothing that is garbage now goes into the frozen generation
        gc.freeze()
        _frozen = True
    before = gc.get_threshold()
    gc.set_threshold(max(YOUNG_THRESHOLD, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
