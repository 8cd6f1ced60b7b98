"""The canonical reservation refuses what cannot be a stay and drops what is merely absurd."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from guestcrm.schemas.reservation import load_reservation

BASE = {"source": "opentravel", "property_code": "H1", "external_id": "R1", "status": "confirmed",
        "arrival": "2026-03-01", "departure": "2026-03-03"}


@pytest.mark.parametrize("born", ["1850-01-01", "2999-01-01", "1980-13-45", "soon"])
def test_an_absurd_birth_date_is_dropped_and_the_reservation_kept(born):
    reservation = load_reservation({**BASE, "guests": [{"first_name": "A", "birth_date": born}]})
    assert reservation.guests[0].birth_date is None


def test_a_plausible_birth_date_is_kept():
    reservation = load_reservation({**BASE, "guests": [{"birth_date": "1980-02-03"}]})
    assert str(reservation.guests[0].birth_date) == "1980-02-03"


@pytest.mark.parametrize(
    ("change", "field"),
    [({"departure": "2026-02-27"}, "departure"), ({"departure": "2028-03-03"}, "departure"),
     ({"arrival": None}, "arrival"), ({"status": "maybe"}, "status"), ({"external_id": ""}, "external_id"),
     ({"currency": "euro", "amount": "1"}, "currency"), ({"amount": "-5"}, "amount")],
)
def test_what_cannot_be_a_stay_is_refused_with_the_field_named(change, field):
    with pytest.raises(ValidationError) as err:
        load_reservation({**BASE, **change})
    assert field in err.value.messages


def test_a_cancellation_may_name_only_the_reservation():
    reservation = load_reservation({**BASE, "status": "cancelled", "arrival": None, "departure": None})
    assert reservation.nights == 0


def test_a_hotel_code_with_anything_after_a_valid_start_is_refused():
    from marshmallow import ValidationError

    from guestcrm.schemas.reservation import ReservationSchema

    base = {"source": "opentravel", "external_id": "R1", "status": "confirmed",
            "arrival": "2026-12-20", "departure": "2026-12-22"}
    for code in ("ALP1 x", "ALP1\x00", "ALP1\n", "ALP1/../x"):
        with pytest.raises(ValidationError):
            ReservationSchema().load({**base, "property_code": code})
    assert ReservationSchema().load({**base, "property_code": "ALP1"}).property_code == "ALP1"
