"""The collector settings of a draining worker (guestcrm/collector.py)."""

from __future__ import annotations

import gc

from guestcrm import collector


def test_batches_collect_young_objects_less_often_and_restore_the_setting():
    before = gc.get_threshold()
    with collector.tuned_for_batches():
        inside = gc.get_threshold()
    assert inside[0] >= collector.YOUNG_THRESHOLD
    assert inside[1:] == before[1:]
    assert gc.get_threshold() == before


def test_what_the_process_holds_is_frozen_once(monkeypatch):
    frozen = []
    monkeypatch.setattr(collector, "_frozen", False)
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    for _ in range(2):
        with collector.tuned_for_batches():
            pass
    assert frozen == [True]
