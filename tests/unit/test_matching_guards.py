"""Guards against false merges: couples, namesakes, travel agents, placeholders, relays."""

from __future__ import annotations

from guestcrm.services.identity.matching import GuestRecord, MatchSettings, classify, match_records

HOME = {"street": "12 High Street", "postal_code": "AB1 2CD", "city": "London", "country": "GB"}


def guest(rid: str, **values) -> GuestRecord:
    return GuestRecord(record_id=rid, **values)


def together(clusters: dict[str, str], a: str, b: str) -> bool:
    return clusters[a] == clusters[b]


def test_a_couple_sharing_an_address_phone_and_email_stays_apart():
    shared = {**HOME, "email": "smiths@example.org", "phone": "+44 7700 900123"}
    clusters = match_records([
        guest("john1", first_name="John", last_name="Smith", birth_date="1970-01-01", **shared),
        guest("jane1", first_name="Jane", last_name="Smith", birth_date="1972-05-05", **shared),
        guest("john2", first_name="Jon", last_name="Smith", birth_date="1970-01-01", **shared),
        guest("jane2", first_name="Jane", last_name="Smith", **shared),
    ])
    assert together(clusters, "john1", "john2")
    assert together(clusters, "jane1", "jane2")
    assert not together(clusters, "john1", "jane1")


def test_father_and_son_namesakes_with_jr_and_sr_stay_apart():
    shared = {**HOME, "phone": "+44 7700 900555"}
    clusters = match_records([
        guest("sr", first_name="Robert", last_name="Brown Sr.", birth_date="1950-03-03", **shared),
        guest("jr", first_name="Robert", last_name="Brown Jr.", birth_date="1980-03-03", **shared),
        guest("jr2", first_name="Robert", last_name="Brown", birth_date="1980-03-03", **shared),
    ])
    assert not together(clusters, "sr", "jr")
    assert not together(clusters, "sr", "jr2")
    assert together(clusters, "jr", "jr2")


def test_same_name_with_birth_dates_decades_apart_stays_apart():
    clusters = match_records([
        guest("a", first_name="Maria", last_name="Rossi", birth_date="1960-05-12", **HOME),
        guest("b", first_name="Maria", last_name="Rossi", birth_date="1990-05-12", **HOME),
    ])
    assert not together(clusters, "a", "b")


def test_a_birth_date_typo_or_day_month_swap_still_merges():
    for variant in ("1984-07-03", "1984-03-08", "1948-03-07"):
        clusters = match_records([
            guest("a", first_name="Lena", last_name="Vogel", birth_date="1984-03-07",
                  email="lena.vogel@web.de", **HOME),
            guest("b", first_name="Lena", last_name="Vogel", birth_date=variant,
                  email="lena.vogel@web.de"),
        ])
        assert together(clusters, "a", "b"), variant


def test_a_travel_agent_booking_many_guests_with_its_own_contact_merges_none_of_them():
    agent = {"email": "bookings@sunnytravel.com", "phone": "+49 89 1234567", "country": "DE"}
    names = [("Anna", "Weber"), ("Paul", "Klein"), ("Olga", "Petrova"), ("Tom", "Baker"),
             ("Lisa", "Wong"), ("Omar", "Haddad")]
    records = [guest(f"g{i}", first_name=first, last_name=last, **agent)
               for i, (first, last) in enumerate(names)]
    clusters = match_records(records)
    assert len(set(clusters.values())) == len(names)


def test_a_shared_agent_email_is_no_evidence_for_two_guests_of_the_same_surname():
    agent = {"email": "desk@acme-corp.com", "phone": "+1 212 555 0100"}
    records = [guest(f"x{i}", first_name=f, last_name="Miller", **agent)
               for i, f in enumerate(["Ann", "Bob", "Carl", "Dora"])]
    clusters = match_records(records)
    assert len(set(clusters.values())) == 4


def test_two_people_with_a_placeholder_email_and_nothing_else_in_common_stay_apart():
    clusters = match_records([
        guest("a", first_name="Kim", last_name="Lee", email="noemail@hotel.com"),
        guest("b", first_name="Sam", last_name="Lee", email="noemail@hotel.com"),
        guest("c", first_name="Ida", last_name="Berg", email="no@email.com"),
    ])
    assert len(set(clusters.values())) == 3


def test_a_relay_address_links_nobody_even_when_repeated():
    relay = "guest.12345@guest.booking.com"
    clusters = match_records([
        guest("a", first_name="Mia", email=relay),
        guest("b", first_name="Noah", email=relay),
    ])
    assert not together(clusters, "a", "b")


def test_pairs_marked_not_the_same_person_are_never_merged():
    same = {"first_name": "Eva", "last_name": "Novak", "email": "eva.novak@seznam.cz",
            "birth_date": "1991-02-02", **HOME}
    records = [guest("a", **same), guest("b", **same)]
    assert together(match_records(records), "a", "b")
    settings = MatchSettings(cannot_link=frozenset({frozenset({"a", "b"})}))
    assert not together(match_records(records, settings), "a", "b")


def test_a_guest_who_changed_email_is_still_found_by_phone_and_birth_date():
    clusters = match_records([
        guest("old", first_name="Sofia", last_name="Marino", email="sofia.m@libero.it",
              phone="+39 333 1234567", birth_date="1988-09-09", country="IT"),
        guest("new", first_name="Sofia", last_name="Marino", email="sofia.marino@gmail.com",
              phone="3331234567", birth_date="1988-09-09", country="IT"),
    ])
    assert together(clusters, "old", "new")


def test_swapped_first_and_last_names_and_nicknames_still_merge():
    clusters = match_records([
        guest("a", first_name="William", last_name="Turner", email="wturner@mail.com"),
        guest("b", first_name="Turner", last_name="Bill", email="wturner@mail.com"),
    ])
    assert together(clusters, "a", "b")


def test_scores_fall_into_three_bands():
    settings = MatchSettings(merge_threshold=0.99, review_threshold=0.5)
    assert classify(0.995, settings) == "merge"
    assert classify(0.7, settings) == "review"
    assert classify(0.1, settings) == "new"


def test_a_new_reservation_is_scored_against_candidates_with_the_learned_model():
    import json

    from guestcrm.services.identity.matching import resolve
    from guestcrm.services.identity.matching.scorer import MatchModel, Scorer

    base = [
        guest(f"p{i}", first_name=first, last_name=last,
              email=f"{first}.{last}@mail.com".lower(), phone=f"+49 170 55500{i:02d}", country="DE")
        for i, (first, last) in enumerate([("Anna", "Weber"), ("Paul", "Klein"), ("Lena", "Vogel"),
                                    ("Jonas", "Bauer"), ("Mia", "Wolf"), ("Ben", "Koch")])
    ]
    result = resolve(base + [guest("dup", first_name="Anna", last_name="Weber",
                                   email="anna.weber@mail.com", country="DE")])
    model = MatchModel.from_dict(json.loads(json.dumps(result.model.to_dict())))
    scores = Scorer(model).score(
        guest("new", first_name="Anna", last_name="Weber", phone="0170 5550000", country="DE"),
        base[:3],
    )
    assert [s.record_id for s in scores][0] == "p0"
    assert scores[0].decision == "merge" and scores[0].levels["phone"] == "exact"
    assert all(s.decision == "new" for s in scores[1:])


def _population(extra: list[GuestRecord]) -> list[GuestRecord]:
    """Enough other guests for the model to learn from (the tests' pairs alone are too few)."""
    import random

    rng = random.Random(5)
    firsts = ["Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hans", "Ida", "Jonas"]
    lasts = ["Keller", "Lang", "Meyer", "Nagel", "Ott", "Pohl", "Roth", "Sauer", "Thal", "Uhl"]
    out = list(extra)
    for k in range(300):
        first, last = rng.choice(firsts), rng.choice(lasts)
        phone = f"+49 151 {rng.randint(1000000, 9999999)}"
        email = f"{first}.{last}{k}@web.de".lower()
        for copy in range(rng.choice((1, 2, 2, 3))):
            out.append(guest(f"p{k}-{copy}", first_name=first, last_name=f"{last}{k}",
                             email=email if copy != 1 else None, phone=phone,
                             city="Berlin", country="DE"))
    return out


def test_a_name_alone_never_merges_however_rare():
    clusters = match_records(_population([
        guest("expedia", first_name="Xaverius", last_name="Quendlinger", country="AT",
              city="Wien", email="a1b2c3d4e5@m.expediapartnercentral.com"),
        guest("walkin", first_name="Xaverius", last_name="Quendlinger", country="AT",
              city="Wien"),
    ]))
    assert not together(clusters, "expedia", "walkin")


def test_a_name_and_a_personal_contact_still_merge():
    clusters = match_records(_population([
        guest("ota", first_name="Xaverius", last_name="Quendlinger", phone="+43 664 1234567",
              email="x.123456@guest.booking.com"),
        guest("direct", first_name="Xaverius", last_name="Quendlinger",
              phone="+43 664 123 4567", email="xq@gmx.at"),
    ]))
    assert together(clusters, "ota", "direct")


def test_same_name_with_two_different_mobiles_stays_apart():
    clusters = match_records(_population([
        guest("a", first_name="Thomas", last_name="Berger", phone="+43 664 1111111",
              city="Graz", country="AT"),
        guest("b", first_name="Thomas", last_name="Berger", phone="+43 676 2222222",
              city="Graz", country="AT"),
    ]))
    assert not together(clusters, "a", "b")


def test_a_parent_and_child_of_one_name_at_one_address_with_their_own_mobiles_stay_apart():
    clusters = match_records(_population([
        guest("parent", first_name="Karl", last_name="Huber", phone="+43 664 3333333",
              birth_date="1961-04-02", **HOME),
        guest("parent2", first_name="Karl", last_name="Huber", phone="+43 664 3333333",
              **HOME),
        guest("child", first_name="Karl", last_name="Huber", phone="+43 699 4444444",
              email="karl.huber@gmx.at", **HOME),
    ]))
    assert together(clusters, "parent", "parent2")
    assert not together(clusters, "parent", "child")
    assert not together(clusters, "parent2", "child")


def _evidence(a: GuestRecord, b: GuestRecord) -> bool:
    """has_evidence for the pair (a, b): may it merge automatically, whatever its score?"""
    import numpy as np

    from guestcrm.services.identity.matching.columns import RecordColumns
    from guestcrm.services.identity.matching.evidence import has_evidence
    from guestcrm.services.identity.matching.features import compare
    from guestcrm.services.identity.matching.normalize import normalize

    cols = RecordColumns([normalize(a), normalize(b)])
    feats = compare(cols, np.array([0]), np.array([1]))
    return bool(has_evidence(feats, cols)[0])


def test_the_evidence_rule_name_alone_address_alone_and_conflicting_contacts():
    name = {"first_name": "Xaverius", "last_name": "Quendlinger"}
    place = {"city": "Wien", "country": "AT"}
    # A full name with a city and country: a name alone, never enough to merge.
    assert not _evidence(guest("a", **name, **place), guest("b", **name, **place))
    # The name and one personal thing (a phone, a birth date) are.
    assert _evidence(guest("a", **name, phone="+43 664 1234567"),
                     guest("b", **name, phone="+43 664 123 4567"))
    assert _evidence(guest("a", **name, birth_date="1971-02-03"),
                     guest("b", **name, birth_date="1971-02-03"))
    # The name and a street address: a household's evidence, enough without contacts...
    assert _evidence(guest("a", **name, **HOME), guest("b", **name, **HOME))
    # ...but not against two different mobiles (a parent and child of one name).
    assert not _evidence(guest("a", **name, **HOME, phone="+43 664 1111111"),
                         guest("b", **name, **HOME, phone="+43 699 2222222"))
