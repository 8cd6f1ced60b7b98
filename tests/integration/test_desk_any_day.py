"""The desk board on any day: arrivals, guests in the house and departures for a date picked
with ?day=YYYY-MM-DD, not only today and tomorrow; a date that is none answers an HTML 400."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.factories import ProfileFactory, PropertyFactory, StayFactory, sign_in, staff

pytestmark = pytest.mark.integration
DAY = date(2026, 8, 14)


@pytest.fixture
def board(client, db_session):
    here, other = PropertyFactory(code="SEE", name="Seeblick"), PropertyFactory(code="ALM")

    def stay(first: str, arrival: date, nights: int, prop=here, **kw):
        return StayFactory(guest=ProfileFactory(first_name=first, last_name="Gast"),
                           property_id=prop.id, arrival=arrival, nights=nights, **kw)

    stay("Arno", DAY, 3, room_number="101")                         # arrives that day
    stay("Berta", DAY - timedelta(days=2), 5, room_number="102")    # in the house
    stay("Carl", DAY - timedelta(days=3), 3, room_number="103")     # leaves that day
    stay("Dora", DAY - timedelta(days=1), 4, status="cancelled")    # never came
    stay("Emil", DAY - timedelta(days=2), 2, status="checked_out")  # left that morning
    stay("Fritz", DAY - timedelta(days=1), 3, status="checked_in")  # in, by the PMS
    stay("Gina", DAY - timedelta(days=1), 3, prop=other)            # another hotel's guest
    stay("Hans", DAY + timedelta(days=1), 2)                        # arrives the day after
    sign_in(client, staff("front_desk", "SEE"))
    return client


def page(client, **args) -> str:
    response = client.get("/desk/", query_string={"property": "SEE", **args})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_a_chosen_day_shows_that_days_arrivals(board):
    html = page(board, day=DAY.isoformat())
    assert "Arno Gast" in html and "Hans Gast" not in html and "Berta Gast" not in html
    assert 'type="date"' in html and f'value="{DAY.isoformat()}"' in html
    assert "Fri 14 Aug 2026" in html
    assert page(board, day=(DAY + timedelta(days=1)).isoformat()).count("Hans Gast") == 1


def test_in_house_lists_who_stays_the_night_of_that_day(board):
    html = page(board, day=DAY.isoformat(), list="in_house")
    assert "Berta Gast" in html and "Fritz Gast" in html
    for absent in ("Arno", "Carl", "Dora", "Emil", "Gina", "Hans"):
        assert f"{absent} Gast" not in html, absent
    assert "room 102" in html and "checked in" in html and "no check-in on record" in html


def test_departures_list_who_leaves_that_day(board):
    html = page(board, day=DAY.isoformat(), list="departures")
    assert "Carl Gast" in html and "Emil Gast" in html
    for absent in ("Arno", "Berta", "Dora", "Fritz", "Gina"):
        assert f"{absent} Gast" not in html, absent
    assert "due out" in html and "checked out" in html


def test_the_day_links_keep_the_list_and_step_one_day(board):
    html = page(board, day=DAY.isoformat(), list="departures")
    assert f"day={(DAY - timedelta(days=1)).isoformat()}&amp;list=departures" in html
    assert f"day={(DAY + timedelta(days=1)).isoformat()}&amp;list=departures" in html


@pytest.mark.parametrize("bad", ["2026-02-30", "14.08.2026", "2026-8-14", "1800-01-01",
                                 "20260814", "yesterday"])
def test_a_day_that_is_no_date_answers_an_html_400(board, bad):
    response = board.get("/desk/", query_string={"property": "SEE", "day": bad})
    assert response.status_code == 400
    assert response.mimetype == "text/html" and "YYYY-MM-DD" in response.get_data(as_text=True)


def test_an_unknown_list_answers_400(board):
    response = board.get("/desk/", query_string={"property": "SEE", "list": "everyone"})
    assert response.status_code == 400 and response.mimetype == "text/html"


def test_the_csv_of_a_chosen_day_has_that_days_arrivals(board):
    text = board.get("/desk/arrivals.csv", query_string={
        "property": "SEE", "day": DAY.isoformat()}).get_data(as_text=True)
    assert "Arno Gast" in text and "Hans Gast" not in text
