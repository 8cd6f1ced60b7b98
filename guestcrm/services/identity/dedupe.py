"""Re-resolving the whole database with the batch matcher: learn the model, plan, apply.

The same `resolve` as `flask match` runs over one record per live profile (its newest email
and phone); staff's "different guests" answers go in as cannot-link pairs. A plan is
reported first; applying it records every merge (rule `dedupe:<p>`, reversible), opens
review tasks for the middle band, stores the learned model for the ingest path, and
rebuilds the blocking-key table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from guestcrm.models import GuestProfile, MatchModelRow, NotSamePair
from guestcrm.services.identity.keys import lock_profiles_for_staff
from guestcrm.services.identity.match_index import profile_records, rebuild_match_index
from guestcrm.services.identity.matching import GuestRecord, MatchResult, MatchSettings, resolve
from guestcrm.services.identity.matching.scorer import Scorer
from guestcrm.services.identity.merge import merge_profiles
from guestcrm.services.identity.not_same import are_not_same, live_id
from guestcrm.services.identity.review_tasks import open_review_task
from guestcrm.services.value.counters import recompute_counters

Say = Callable[[str], None]
MERGES_PER_COMMIT = 20  # locks held at once by a re-resolution running beside the workers


@dataclass
class DedupePlan:
    profiles: int
    merges: list[tuple[int, int, float]] = field(default_factory=list)  # survivor, merged, p
    reviews: list[tuple[int, int, float]] = field(default_factory=list)
    result: MatchResult | None = None
    records: dict[str, GuestRecord] = field(default_factory=dict)


def live_records(session: Session, batch: int = 2000, say: Say | None = None) -> list[GuestRecord]:
    """One matcher record per live profile, record_id = the profile id."""
    ids = list(session.scalars(select(GuestProfile.id)
                               .where(GuestProfile.merged_into_id.is_(None))
                               .order_by(GuestProfile.id)))
    out: list[GuestRecord] = []
    for start in range(0, len(ids), batch):
        chunk = session.scalars(select(GuestProfile)
                                .where(GuestProfile.id.in_(ids[start:start + batch]))
                                .options(selectinload(GuestProfile.contacts),
                                         selectinload(GuestProfile.external_ids))
                                .order_by(GuestProfile.id)).all()
        out.extend(profile_records(p)[0] for p in chunk)
        if say:
            say(f"read {len(out)}/{len(ids)} profiles")
    return out


def cannot_link(session: Session) -> frozenset[frozenset[str]]:
    pairs = set()
    for a, b in session.execute(select(NotSamePair.profile_a_id, NotSamePair.profile_b_id)):
        la, lb = live_id(session, a), live_id(session, b)
        if la != lb:
            pairs.add(frozenset((str(la), str(lb))))
    return frozenset(pairs)


def plan_dedupe(session: Session, say: Say | None = None) -> DedupePlan:
    records = live_records(session, say=say)
    settings = MatchSettings(cannot_link=cannot_link(session))
    result = resolve(records, settings, progress=say)
    plan = DedupePlan(profiles=len(records), result=result,
                      records={r.record_id: r for r in records})
    merge_p: dict[str, float] = {}
    for k in (result.decision == 2).nonzero()[0].tolist():
        for side in (result.left[k], result.right[k]):
            rid = result.record_ids[side]
            merge_p[rid] = max(merge_p.get(rid, 0.0), float(result.probability[k]))
    members: dict[str, list[str]] = {}
    for rid, cluster in result.clusters.items():
        members.setdefault(cluster, []).append(rid)
    for group in members.values():
        if len(group) < 2:
            continue
        ids = sorted(int(r) for r in group)
        plan.merges += [(ids[0], other, merge_p.get(str(other), 0.0)) for other in ids[1:]]
    clusters = result.clusters
    for a, b, p in result.review_pairs():
        if clusters[a] != clusters[b]:
            plan.reviews.append((int(a), int(b), p))
    return plan


def apply_dedupe(session: Session, plan: DedupePlan, actor: str = "cli:dedupe",
                 say: Say | None = None) -> dict[str, int]:
    """Perform the plan; returns counts of what was done.

    It may run while workers ingest: each merge first takes the locks a staff merge takes
    (every key of both profiles, the ones a batch takes for a guest with those keys), and the
    merges are committed a few at a time, so no batch waits long and none adds a stay to a
    profile that was just merged away."""
    say = say or (lambda _m: None)
    done = {"merged": 0, "skipped": 0, "review_tasks": 0}
    touched: set[int] = set()
    for n, (survivor_id, merged_id, p) in enumerate(plan.merges, start=1):
        lock_profiles_for_staff(session, [survivor_id, merged_id])
        a, b = live_id(session, survivor_id), live_id(session, merged_id)
        if a == b or are_not_same(session, a, b):
            done["skipped"] += 1
        else:
            merge_profiles(session, session.get(GuestProfile, a), session.get(GuestProfile, b),
                           rule=f"dedupe:{p:.4f}", actor=actor)
            touched.add(a)
            done["merged"] += 1
        if n % MERGES_PER_COMMIT == 0:
            _recount(session, touched)
            session.commit()  # the locks go with it
            touched = set()
        if n % 500 == 0:
            say(f"merged {n}/{len(plan.merges)}")
    _recount(session, touched)
    model = store_model(session, plan, actor)
    scorer = Scorer(model)
    for a, b, _p in plan.reviews:
        la, lb = live_id(session, a), live_id(session, b)
        if la == lb:
            continue
        score = scorer.score(plan.records[str(a)], [plan.records[str(b)]])[0]
        if open_review_task(session, la, lb, score, source="dedupe", bits=scorer.bits):
            done["review_tasks"] += 1
    say("rebuilding the blocking-key table")
    rebuild_match_index(session, progress=say)
    return done


def _recount(session: Session, profile_ids: set[int]) -> None:
    if profile_ids:
        from guestcrm.services.value.figures import recompute_value

        ids = {live_id(session, i) for i in profile_ids}
        recompute_counters(session, ids)
        recompute_value(session, ids)


def store_model(session: Session, plan: DedupePlan, actor: str):
    """Keep what the run learned for the ingest path; returns the MatchModel."""
    model = plan.result.model
    session.add(MatchModelRow(model=model.to_dict(), merge_threshold=model.merge_threshold,
                              trained_on=plan.profiles, created_by=actor))
    session.flush()
    return model


def train_matcher(session: Session, actor: str = "cli", say: Say | None = None) -> MatchModelRow:
    """Learn a model from the live profiles and store it (nothing else changes)."""
    records = live_records(session, say=say)
    if len(records) < 2:
        raise ValueError("at least two profiles are needed to learn a model")
    result = resolve(records, MatchSettings(cannot_link=cannot_link(session)), progress=say)
    row = MatchModelRow(model=result.model.to_dict(), merge_threshold=result.merge_threshold,
                        trained_on=len(records), created_by=actor)
    session.add(row)
    session.flush()
    return row


def re_resolve(session: Session, actor: str = "system:dedupe", say: Say | None = None,
               examples: int = 20) -> tuple[dict, dict[str, int]]:
    """The scheduled re-resolution: plan, record the plan as a report (an audit entry with the
    counts and example pairs) before anything changes, then apply it; every merge is audited
    and reversible like any other. Returns the report and what was done."""
    from guestcrm.models import AuditEntry

    plan = plan_dedupe(session, say=say)
    report = {"profiles": plan.profiles, "merges": len(plan.merges),
              "reviews": len(plan.reviews),
              "merge_threshold": round(float(plan.result.merge_threshold), 4),
              "examples": [[s, m, round(p, 4)] for s, m, p in plan.merges[:examples]]}
    session.add(AuditEntry(actor=actor, action="dedupe.plan", target_type="identity",
                           target_id="dedupe", details=report))
    session.commit()
    done = apply_dedupe(session, plan, actor=actor, say=say)
    session.add(AuditEntry(actor=actor, action="dedupe.apply", target_type="identity",
                           target_id="dedupe", details=done))
    session.commit()
    return report, done
