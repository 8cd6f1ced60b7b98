"""The hotel's settings for guest value: pyramid and RFM cut-offs, commissions, retention actions.

Defaults live here; what the hotel changed is stored as JSON in `crm_setting` (key "value") and
in `rfm_segment_action`, and is merged over the defaults when read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.errors import Refused
from guestcrm.models import AuditEntry, CrmSetting, RfmSegmentAction


class SettingsError(Refused):
    """Value settings that contradict themselves or are not of the right kind."""

SETTING_KEY = "value"

RECENCY_CLASSES = ("active", "silent", "sleeping", "lost")
FREQUENCY_CLASSES = ("new", "second", "regular", "fan")
TIERS = ("vip", "major", "ordinary", "small")

# Suggested retention action per segment; the hotel edits the wording in rfm_segment_action.
DEFAULT_ACTIONS: dict[str, str] = {
    "active_new": "Thank them for the first stay; invite them to book direct next time.",
    "active_second": "Recognise the return; offer the direct-booking perk for a third stay.",
    "active_regular": "Remember their preferences; offer a room upgrade when available.",
    "active_fan": "Treat as an ambassador: personal welcome by the manager, referral offer.",
    "silent_new": "Send a seasonal offer with a reason to come back.",
    "silent_second": "Remind them of what they liked; a direct-booking discount.",
    "silent_regular": "Personal note from the front office; ask how we can do better.",
    "silent_fan": "Call them: something may have changed; offer a loyalty gesture.",
    "sleeping_new": "Include in the low-cost newsletter only.",
    "sleeping_second": "Win-back offer for the low season.",
    "sleeping_regular": "Win-back offer with a perk they used before.",
    "sleeping_fan": "Personal win-back by the general manager.",
    "lost_new": "No active spend; keep consented contacts for campaigns.",
    "lost_second": "Occasional newsletter; do not spend on acquisition.",
    "lost_regular": "A last win-back attempt with a strong offer.",
    "lost_fan": "Find out why they left: survey and personal call.",
}


def segment_code(recency: str, frequency: str) -> str:
    return f"{recency}_{frequency}"


def segment_label(code: str) -> str:
    recency, _, frequency = code.partition("_")
    return f"{recency.capitalize()} · {frequency}"


@dataclass(frozen=True)
class ValueSettings:
    # Cumulative shares of the spend ranking: top 1 % vip, next 4 % major, next 15 % ordinary.
    pyramid: dict[str, float] = field(
        default_factory=lambda: {"vip": 0.01, "major": 0.05, "ordinary": 0.20}
    )
    # Days since the last stay up to which a guest is active / silent / sleeping; else lost.
    recency_days: dict[str, int] = field(
        default_factory=lambda: {"active": 365, "silent": 730, "sleeping": 1095}
    )
    # Completed stays up to which a guest is new / second / regular; else fan.
    frequency_stays: dict[str, int] = field(
        default_factory=lambda: {"new": 1, "second": 2, "regular": 5}
    )
    # Share of the room revenue paid to the channel: by channel name first, else by kind.
    commission: dict[str, float] = field(
        default_factory=lambda: {"ota": 0.18, "gds": 0.10, "corporate": 0.0, "direct": 0.0,
                                 "phone": 0.0, "walk_in": 0.0, "other": 0.0}
    )
    expected_future_stays: dict[str, float] = field(
        default_factory=lambda: {"new": 0.3, "second": 0.8, "regular": 1.5, "fan": 3.0}
    )
    retention: dict[str, float] = field(
        default_factory=lambda: {"active": 1.0, "silent": 0.6, "sleeping": 0.3, "lost": 0.1}
    )
    # VIP level suggested for the top tier when staff set none; None: suggest nothing.
    pyramid_vip_level: str | None = "VIP3"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> ValueSettings:
        """Defaults overlaid with the stored values; unknown keys are ignored, bad ones rejected."""
        base = cls()
        if not data:
            return base
        merged: dict[str, Any] = {}
        for f in fields(cls):
            current = getattr(base, f.name)
            given = data.get(f.name, current)
            if isinstance(current, dict):
                if not isinstance(given, dict):
                    raise SettingsError(f"{f.name} must be an object")
                given = {**current, **given}
            merged[f.name] = given
        settings = cls(**merged)
        settings.validate()
        return settings

    def validate(self) -> None:
        shares = [self.pyramid[t] for t in TIERS[:3]]
        rising = all(a < b for a, b in zip(shares, shares[1:], strict=False))
        if not rising or not all(0 < x <= 1 for x in shares):
            raise SettingsError("pyramid shares must rise within (0, 1]: vip < major < ordinary")
        days = [self.recency_days[r] for r in RECENCY_CLASSES[:3]]
        if not all(0 <= a < b for a, b in zip(days, days[1:], strict=False)):
            raise SettingsError("recency days must rise: active < silent < sleeping")
        stays = [self.frequency_stays[f] for f in FREQUENCY_CLASSES[:3]]
        if not all(1 <= a < b for a, b in zip(stays, stays[1:], strict=False)):
            raise SettingsError("frequency stays must rise from 1: new < second < regular")
        if any(not 0 <= rate < 1 for rate in self.commission.values()):
            raise SettingsError("commissions are shares between 0 and 1")


def load_value_settings(session: Session) -> ValueSettings:
    row = session.get(CrmSetting, SETTING_KEY)
    return ValueSettings.from_json(row.value if row else None)


def save_value_settings(session: Session, data: dict[str, Any], actor: str) -> ValueSettings:
    """Validated as a whole; unknown settings refused; the change audited (before and after
    of each value that moved)."""
    known = {f.name for f in fields(ValueSettings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise SettingsError(f"unknown setting {', '.join(unknown)}")
    for name, value in data.items():
        defaults = getattr(ValueSettings(), name)
        if isinstance(defaults, dict) and name != "commission" and isinstance(value, dict):
            extra = sorted(set(value) - set(defaults))
            if extra:
                raise SettingsError(f"unknown setting {name}.{extra[0]}")
    try:
        settings = ValueSettings.from_json(data)
    except (TypeError, KeyError) as exc:  # a value of the wrong kind, a missing name
        raise SettingsError(f"not valid value settings: {exc}") from exc
    row = session.get(CrmSetting, SETTING_KEY) or CrmSetting(key=SETTING_KEY)
    before = ValueSettings.from_json(row.value).to_json() if row.value else (
        ValueSettings().to_json())
    after = settings.to_json()
    changes = _changes(before, after)
    row.value = after
    row.updated_by = actor
    session.add(row)
    if changes:
        session.add(AuditEntry(actor=actor, action="settings.value", target_type="setting",
                               target_id=SETTING_KEY, details={"changes": changes}))
    session.flush()
    return settings


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    out: dict[str, list] = {}
    for name, value in after.items():
        old = before.get(name)
        if isinstance(value, dict):
            for key in sorted(set(value) | set(old or {})):
                if (old or {}).get(key) != value.get(key):
                    out[f"{name}.{key}"] = [(old or {}).get(key), value.get(key)]
        elif old != value:
            out[name] = [old, value]
    return out


def segment_actions(session: Session) -> dict[str, tuple[str, str]]:
    """Every segment's (label, action): the hotel's wording over the defaults."""
    result = {code: (segment_label(code), text) for code, text in DEFAULT_ACTIONS.items()}
    for row in session.scalars(select(RfmSegmentAction)):
        if row.code in result:
            result[row.code] = (row.label, row.action)
    return result


def set_segment_action(session: Session, code: str, label: str, action: str, actor: str) -> None:
    if code not in DEFAULT_ACTIONS:
        raise SettingsError(f"unknown segment {code!r}")
    row = session.get(RfmSegmentAction, code) or RfmSegmentAction(code=code)
    row.label, row.action, row.updated_by = label.strip(), action.strip(), actor
    session.add(row)
    session.flush()
