"""What a stay really is today. The PMS's last word ("confirmed") says nothing about a stay
whose dates have passed: the dates and any check-in say whether the guest is coming, in the
house, gone, or never turned up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

LABELS = {
    "cancelled": "Cancelled",
    "no_show": "No-show",
    "requested": "Requested",
    "upcoming": "Upcoming",
    "arriving": "Arriving today",
    "not_arrived": "Not checked in: possible no-show",
    "in_house": "In house",
    "departing": "Departing today",
    "departed": "Departed",
    "departed_unrecorded": "Past stay (no check-in on record)",
    "lapsed": "Request lapsed",
}


@dataclass(frozen=True)
class StayState:
    code: str

    @property
    def label(self) -> str:
        return LABELS[self.code]


def stay_state(status: str, arrival: date | None, departure: date | None, checked_in: bool,
               today: date) -> StayState:
    """`checked_in`: the desk or the PMS recorded the guest's check-in."""
    if status in ("cancelled", "no_show"):
        return StayState(status)
    if status == "checked_out":
        return StayState("departed")
    if checked_in or status == "checked_in":
        if departure is not None and departure < today:
            return StayState("departed")
        return StayState("departing" if departure == today else "in_house")
    if arrival is None or arrival > today:
        return StayState("requested" if status == "requested" else "upcoming")
    if arrival == today:
        return StayState("arriving")
    if status == "requested":
        return StayState("lapsed")
    # As the counters do (services/value/counters.py): a confirmed stay whose departure has
    # passed happened, since many sources never send check-ins or check-outs.
    if departure is None or departure <= today:
        return StayState("departed_unrecorded")
    return StayState("not_arrived")
