"""Scored matching on the ingest path: a guest that no exact key found is compared with the
profiles sharing a blocking key, using the stored MatchModel (none stored: exact keys only).

Bands (docs/identity.md): above the model's merge threshold the new profile is merged into
the match (a MergeRecord with rule `fuzzy:<p>`, so it can be undone); in the review band the
new profile stays and a ReviewTask asks staff; below, it simply stays a new profile.

ingest calls `settle_identity` after the stay's seats are attached, so a fuzzy merge moves
the new stay with the profile and the merge record lists it: undoing the merge is exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from guestcrm.db.tx_scope import tx_dict
from guestcrm.models import GuestProfile, MatchModelRow, ProfileBlockingKey, ProfileMatchRecord
from guestcrm.services.identity.evidence_levels import beyond_name
from guestcrm.services.identity.lookup import profile_by_id
from guestcrm.services.identity.match_index import (
    deferred_entries,
    profile_records,
    record_keys,
    records_from_json,
    refresh_match_index,
)
from guestcrm.services.identity.matching import GuestRecord, normalize
from guestcrm.services.identity.matching.scorer import MatchModel, PairScore, Scorer
from guestcrm.services.identity.merge import merge_profiles
from guestcrm.services.identity.not_same import not_same_partners
from guestcrm.services.identity.review_tasks import open_review_task

_NEW, _DIRTY = "identity_new_profiles", "identity_dirty_profiles"
_CONTACT_KEY_KIND = {"e": "email", "p": "phone", "s": "address", "l": "loyalty"}
_scorers: dict[tuple[str, int], Scorer] = {}
MAX_REVIEW_TASKS = 3  # per new profile: the strongest candidates only


@dataclass
class Candidate:
    profile_id: int
    score: PairScore


@dataclass
class Decision:
    outcome: str  # merge | review | new | exact-only
    match: Candidate | None = None
    reviews: list[Candidate] = field(default_factory=list)
    bits: dict | None = None  # the model's weight per field and level, for the evidence


def note_resolved(session: Session, profile: GuestProfile, is_new: bool) -> None:
    """Called by resolve_guest: remember the profile for `settle_identity`."""
    session.info.setdefault(_DIRTY, set()).add(profile.id)
    if is_new:
        session.info.setdefault(_NEW, set()).add(profile.id)


def discard_pending(session: Session) -> None:
    """Forget what `note_resolved` remembered: the work it belonged to was rolled back."""
    session.info.pop(_NEW, None)
    session.info.pop(_DIRTY, None)


def settle_identity(session: Session, property_id: int | None = None) -> None:
    """Fuzzy-match the profiles this transaction created, then refresh the index of every
    profile it touched. Safe to call when nothing is pending."""
    new = session.info.pop(_NEW, set())
    dirty = session.info.pop(_DIRTY, set())
    for profile_id in sorted(new):
        profile = profile_by_id(session, profile_id)
        if profile is None or profile.merged_into_id is not None:
            continue
        decision = fuzzy_candidate(session, profile)
        if decision.outcome == "merge":
            survivor = session.get(GuestProfile, decision.match.profile_id)
            merge_profiles(session, survivor, profile,
                           rule=f"fuzzy:{decision.match.score.probability:.4f}")
            dirty.add(survivor.id)
        for cand in decision.reviews:
            open_review_task(session, profile.id, cand.profile_id, cand.score, property_id,
                             bits=decision.bits)
    refresh_match_index(session, dirty | new)


def current_scorer(session: Session) -> Scorer | None:
    """The newest stored model, parsed once per process and model row; which row is newest
    is asked once per transaction."""
    known = tx_dict(session, "match_model")
    if "row_id" not in known:
        known["row_id"] = session.scalar(select(func.max(MatchModelRow.id)))
    row_id = known["row_id"]
    if row_id is None:
        return None
    bind = session.get_bind()
    key = (str(getattr(bind, "engine", bind).url), row_id)
    scorer = _scorers.get(key)
    if scorer is None:
        row = session.get(MatchModelRow, row_id)
        scorer = Scorer(MatchModel.from_dict(row.model))
        _scorers.clear()
        _scorers[key] = scorer
    return scorer


def fuzzy_candidate(session: Session, profile: GuestProfile, scorer: Scorer | None = None
                    ) -> Decision:
    """What the stored model says about a fresh profile against the existing ones."""
    scorer = scorer or current_scorer(session)
    if scorer is None:
        return Decision("exact-only")
    # What this reads (staff's separations, merges, the index tables) is never left pending:
    # no reason to flush the transaction's other changes first.
    with session.no_autoflush:
        apart = not_same_partners(session, profile.id)
        return decide_records(session, scorer, profile_records(profile),
                              exclude={profile.id, *apart})


def decide_records(session: Session, scorer: Scorer, records: list[GuestRecord],
                   exclude: set[int]) -> Decision:
    """Candidates through the key table, scored; the best record pair per profile counts."""
    found = candidate_records(session, scorer, records, exclude)
    if not found:
        return Decision("new", bits=scorer.bits)
    best: dict[int, PairScore] = {}
    for rec in records:
        for score in scorer.score(rec, found):
            pid = int(score.record_id.split("#", 1)[0])
            if pid not in best or score.weight > best[pid].weight:
                best[pid] = score
    ranked = sorted((Candidate(pid, s) for pid, s in best.items()),
                    key=lambda c: -c.score.weight)
    decision = _decide(ranked, _enough_identity(records[0], scorer), scorer)
    decision.bits = scorer.bits
    return decision


# Keys that alone can make a pair worth scoring; the others (birth date, initial and month,
# surname or first name or house number with the place) only together with a second key:
# one of them alone never reaches the review band (names differ), and in a big guest base
# they bring hundreds of candidates that would each cost a comparison on the latency path.
STRONG_KINDS = ("e", "p", "l", "n", "k", "s")
_HITS_SQL = text("""
SELECT q.key, b.profile_id
FROM unnest(CAST(:keys AS varchar[])) AS q(key)
CROSS JOIN LATERAL (SELECT profile_id FROM profile_blocking_key k
                    WHERE k.key = q.key LIMIT :cap) AS b
""")


def candidate_records(session: Session, scorer: Scorer, records: list[GuestRecord],
                      exclude: set[int]) -> list[GuestRecord]:
    """Records of the profiles sharing a strong key or two keys; blocks larger than
    max_block are skipped (a common name, a travel agent's phone), as in the batch run.
    What a batch has not written to the table yet (match_index.deferred_entries) counts
    instead of the table's rows for those profiles."""
    s = scorer.model.settings
    keys = [k for k in sorted(record_keys(records, s)) if not _shared(k, scorer)]
    if not keys:
        return []
    deferred = deferred_entries(session)
    hits = _key_hits(session, keys, s.max_block + 1 + len(deferred))
    shared: dict[int, list[str]] = {}
    for key in keys:
        found = [pid for pid in hits.get(key, ()) if pid not in deferred]
        found += [pid for pid, (_, held) in deferred.items() if key in held]
        if len(found) <= s.max_block:
            for pid in found:
                shared.setdefault(pid, []).append(key)
    ids = sorted(pid for pid, hit in shared.items() if pid not in exclude and (
        len(hit) >= 2 or any(k[0] in STRONG_KINDS for k in hit)))
    found_records = [rec for pid in ids if pid in deferred for rec in deferred[pid][0]]
    stored = [pid for pid in ids if pid not in deferred]
    if stored:
        rows = session.scalars(select(ProfileMatchRecord.records)
                               .where(ProfileMatchRecord.profile_id.in_(stored)))
        found_records += [rec for row in rows for rec in records_from_json(row)]
    return found_records


def _key_hits(session: Session, keys: list[str], cap: int) -> dict[str, list[int]]:
    """Up to `cap` profiles holding each key: one round trip on PostgreSQL, a query per key
    elsewhere (SQLite, the embedded default)."""
    hits: dict[str, list[int]] = {}
    if session.get_bind().dialect.name == "postgresql":
        for key, pid in session.execute(_HITS_SQL, {"keys": keys, "cap": cap}):
            hits.setdefault(key, []).append(pid)
        return hits
    for key in keys:
        hits[key] = list(session.scalars(select(ProfileBlockingKey.profile_id)
                                         .where(ProfileBlockingKey.key == key).limit(cap)))
    return hits


def _shared(key: str, scorer: Scorer) -> bool:
    """A contact the model learned is used by many people (a booker, a placeholder)."""
    kind = _CONTACT_KEY_KIND.get(key[0])
    if kind is None:
        return False
    sharing = scorer.model.sharing.get(kind, {})
    return sharing.get(key[2:], 1) >= scorer.model.settings.shared_limit


def _enough_identity(record: GuestRecord, scorer: Scorer) -> bool:
    """An automatic merge needs a full name on the new side: an OTA's first name alone, an
    emoji or a placeholder name is no identity, whatever else agrees."""
    s = scorer.model.settings
    norm = normalize(record, s.default_region, s.relay_domains)
    return bool(norm.given and norm.last and not norm.initial_only)


def _decide(ranked: list[Candidate], identified: bool, scorer: Scorer) -> Decision:
    strong = [c for c in ranked if c.score.decision == "merge"]
    # Names alone never merge on the latency path: a model trained before a name was seen
    # calls it rare, and namesakes booking through a channel look exactly like this.
    merges = [c for c in strong if beyond_name(c.score.levels) >= 1]
    margin = scorer.model.settings.ambiguity_margin_bits
    if merges and identified:
        top = merges[0]
        # Another profile matching nearly as strongly: the data cannot tell which; ask staff.
        rivals = [c for c in strong if c is not top and top.score.weight - c.score.weight <= margin]
        if not rivals:
            return Decision("merge", match=top)
    reviews = [c for c in ranked if c.score.decision in ("merge", "review")]
    if reviews:
        return Decision("review", reviews=reviews[:MAX_REVIEW_TASKS])
    return Decision("new")


__all__ = ["Decision", "current_scorer", "decide_records", "discard_pending", "fuzzy_candidate",
           "note_resolved", "settle_identity"]
