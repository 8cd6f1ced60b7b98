"""The customer pyramid over the whole group: the nightly ranking and tiers in between."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Float, case, cast, exists, func, literal, select, text, union_all, update
from sqlalchemy.orm import Session

from guestcrm.db.types import Money
from guestcrm.models import CrmSetting, GuestProfile, GuestValue
from guestcrm.services.value.settings import TIERS, ValueSettings, load_value_settings
from guestcrm.services.value.tiers import pyramid_tier, tier_by_threshold

# The lowest spend of each tier at the last nightly ranking.
THRESHOLDS_KEY = "value.thresholds"


def _live_spenders():
    return select(GuestProfile.id).where(
        GuestProfile.merged_into_id.is_(None), GuestProfile.spend > 0)


class TierRanker:
    """Tiers between nightly rankings: by the stored spend floors, else by counting."""

    def __init__(self, session: Session, settings: ValueSettings) -> None:
        self.session, self.settings = session, settings
        row = session.get(CrmSetting, THRESHOLDS_KEY)
        self.thresholds = row.value if row and row.value else None
        self.population = _spender_count(session) if self.thresholds is None else 0

    def tiers(self, spends: list[Decimal]) -> dict[Decimal, str | None]:
        """Each spend's tier; counting ranks costs one query for all of them."""
        if self.thresholds is not None:
            return {spend: tier_by_threshold(spend, self.thresholds) for spend in spends}
        above = _spenders_above(self.session, {s for s in spends if s > 0})
        return {spend: pyramid_tier(above[spend], max(self.population, above[spend] + 1),
                                    self.settings.pyramid) if spend > 0 else None
                for spend in spends}


def _spender_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(_live_spenders().subquery())) or 0


# PostgreSQL: the spends as one array parameter, so the statement is the same for every batch
# (a UNION of literals was compiled anew each time).
_ABOVE_SQL = text(
    "SELECT asked.i, (SELECT count(*) FROM guest_profile AS g"
    " WHERE g.merged_into_id IS NULL AND g.spend > asked.spend)"
    " FROM unnest(CAST(:spends AS numeric[])) WITH ORDINALITY AS asked(spend, i)"
)


def _spenders_above(session: Session, spends: set[Decimal]) -> dict[Decimal, int]:
    """For each spend, how many live profiles spent more: one query (elsewhere than on
    PostgreSQL, one per 400 spends: SQLite takes at most 500 terms in a UNION)."""
    ordered = sorted(spends)
    if ordered and session.get_bind().dialect.name == "postgresql":
        counted = {ordered[i - 1]: count
                   for i, count in session.execute(_ABOVE_SQL, {"spends": ordered})}
    else:
        counted = {}
        for start in range(0, len(ordered), 400):
            counted.update(_union_chunk(session, ordered[start:start + 400]))
    return {spend: counted.get(spend) or 0 for spend in spends}


def _union_chunk(session: Session, chunk: list[Decimal]) -> dict[Decimal, int]:
    asked = union_all(*[select(literal(i).label("i"), literal(spend, Money).label("spend"))
                        for i, spend in enumerate(chunk)]).subquery("asked")
    above = (select(func.count()).select_from(GuestProfile)
             .where(GuestProfile.merged_into_id.is_(None), GuestProfile.spend > asked.c.spend)
             .scalar_subquery())
    return {chunk[i]: count for i, count in session.execute(select(asked.c.i, above))}


def rank_all_tiers(session: Session, settings: ValueSettings | None = None) -> int:
    """The nightly pass: every live spender's tier from one window-function ranking, in SQL."""
    settings = settings or load_value_settings(session)
    ranked = select(
        GuestProfile.id.label("pid"),
        (func.rank().over(order_by=GuestProfile.spend.desc()) - 1).label("above"),
        func.count().over().label("population"),
    ).where(GuestProfile.merged_into_id.is_(None), GuestProfile.spend > 0).subquery()
    # The same arithmetic as pyramid_tier (share = above / population < cut-off), in floats.
    share = cast(ranked.c.above, Float) / ranked.c.population
    tier = case(
        *[(share < settings.pyramid[t], t) for t in TIERS[:3]], else_=literal(TIERS[3])
    )
    session.execute(
        update(GuestValue)
        .where(GuestValue.profile_id == ranked.c.pid)
        .values(tier=tier)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(GuestValue)
        # NOT EXISTS, not NOT IN: PostgreSQL turns NOT IN over a million ids into a
        # quadratic plan once the list outgrows work_mem.
        .where(GuestValue.tier.is_not(None), ~exists().where(
            GuestProfile.id == GuestValue.profile_id, GuestProfile.merged_into_id.is_(None),
            GuestProfile.spend > 0))
        .values(tier=None)
        .execution_options(synchronize_session=False)
    )
    floors = dict(session.execute(
        select(GuestValue.tier, func.min(GuestProfile.spend))
        .join(GuestProfile, GuestProfile.id == GuestValue.profile_id)
        .where(GuestValue.tier.in_(TIERS[:3])).group_by(GuestValue.tier)).all())
    row = session.get(CrmSetting, THRESHOLDS_KEY) or CrmSetting(key=THRESHOLDS_KEY)
    row.value = {tier: float(floor) for tier, floor in floors.items()}
    session.add(row)
    session.flush()
    session.expire_all()
    return session.scalar(select(func.count()).select_from(ranked)) or 0
