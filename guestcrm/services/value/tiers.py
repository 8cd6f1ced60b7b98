"""Pyramid tiers as pure functions: from a guest's rank among spenders, or from spend alone
between two nightly rankings."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from guestcrm.services.value.settings import TIERS


def pyramid_tier(rank: int, population: int, cutoffs: Mapping[str, float]) -> str | None:
    """Tier of the guest with `rank` guests spending strictly more, among `population` spenders."""
    if population <= 0 or not 0 <= rank < population:
        return None
    share = rank / population
    for tier in TIERS[:3]:
        if share < cutoffs[tier]:
            return tier
    return TIERS[3]


def tier_by_threshold(spend: Decimal, thresholds: Mapping[str, float]) -> str | None:
    """Between nightly rankings: the tier whose lowest spend (from the last ranking) is reached."""
    if spend <= 0:
        return None
    for tier in TIERS[:3]:
        floor = thresholds.get(tier)
        if floor is not None and float(spend) >= floor:
            return tier
    return TIERS[3]
