"""Shared by the identity tests: a model learned once per run from hotel-style records."""

from __future__ import annotations

from functools import lru_cache

from guestcrm.models import MatchModelRow
from guestcrm.services.identity.matching import GuestRecord, resolve


@lru_cache(maxsize=1)
def learned_model() -> dict:
    from bench.hotel_generator import generate

    rows, _truth = generate(1000)
    result = resolve([GuestRecord.from_mapping(r) for r in rows])
    return result.model.to_dict()


def store_learned_model(session) -> MatchModelRow:
    model = learned_model()
    row = MatchModelRow(model=model, merge_threshold=model["merge_threshold"], trained_on=1000)
    session.add(row)
    session.flush()
    return row
