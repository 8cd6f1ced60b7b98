"""A stay's state from its status, dates and check-in: a past stay is never "confirmed"."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from guestcrm.services.guests.stay_state import LABELS, stay_state

TODAY = date(2026, 3, 10)
D = timedelta(days=1)


@pytest.mark.parametrize(("status", "arrival", "departure", "checked_in", "expected"), [
    ("confirmed", TODAY + 5 * D, TODAY + 7 * D, False, "upcoming"),
    ("requested", TODAY + 5 * D, TODAY + 7 * D, False, "requested"),
    ("confirmed", TODAY, TODAY + 2 * D, False, "arriving"),
    ("confirmed", TODAY, TODAY + 2 * D, True, "in_house"),
    ("checked_in", TODAY - 2 * D, TODAY + 1 * D, False, "in_house"),
    ("confirmed", TODAY - 2 * D, TODAY, True, "departing"),
    ("confirmed", TODAY - 9 * D, TODAY - 7 * D, True, "departed"),
    ("checked_in", TODAY - 9 * D, TODAY - 7 * D, False, "departed"),
    ("checked_out", TODAY - 2 * D, TODAY, False, "departed"),
    ("confirmed", TODAY - 1 * D, TODAY + 2 * D, False, "not_arrived"),
    ("confirmed", TODAY - 9 * D, TODAY - 7 * D, False, "departed_unrecorded"),
    ("requested", TODAY - 9 * D, TODAY - 7 * D, False, "lapsed"),
    ("cancelled", TODAY - 9 * D, TODAY - 7 * D, False, "cancelled"),
    ("no_show", TODAY - 9 * D, TODAY - 7 * D, False, "no_show"),
])
def test_a_stay_shows_what_it_is_today(status, arrival, departure, checked_in, expected):
    state = stay_state(status, arrival, departure, checked_in, TODAY)
    assert state.code == expected
    assert state.label == LABELS[expected]


def test_a_past_confirmed_stay_is_never_shown_as_confirmed():
    for checked_in in (True, False):
        state = stay_state("confirmed", TODAY - 30 * D, TODAY - 28 * D, checked_in, TODAY)
        assert "confirm" not in state.label.lower()
