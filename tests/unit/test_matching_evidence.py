"""Issue #17: a name alone never merges; conflicting contacts and birth years count against."""

from __future__ import annotations

from guestcrm.services.identity.matching import GuestRecord, MatchSettings, normalize, resolve
from guestcrm.services.identity.matching.columns import own_local_part
from guestcrm.services.identity.matching.evidence import records_generation_apart
from guestcrm.services.identity.matching.guards import Vetoes, records_conflict

HOME = {"street": "4 Mill Lane", "postal_code": "OX1 4AA", "city": "Oxford", "country": "GB"}


def guest(rid: str, **values) -> GuestRecord:
    return GuestRecord(record_id=rid, **values)


def decisions(records: list[GuestRecord]) -> dict[frozenset[str], int]:
    result = resolve(records, MatchSettings())
    ids = result.record_ids
    return {frozenset((ids[a], ids[b])): int(d)
            for a, b, d in zip(result.left, result.right, result.decision, strict=True)}


def test_a_full_name_and_a_country_alone_goes_to_review_never_to_a_merge():
    pair = frozenset(("ota", "walkin"))
    found = decisions([
        guest("ota", first_name="Evfrosiniya", last_name="Kiseleva", country="RU",
              email="evfros.48213@guest.booking.com"),
        guest("walkin", first_name="Evfrosiniya", last_name="Kiseleva", country="RU"),
    ])
    assert found[pair] == 1  # review


def test_namesakes_whose_personal_phones_and_emails_all_differ_are_not_even_reviewed():
    pair = frozenset(("a", "b"))
    found = decisions([
        guest("a", first_name="Robert", last_name="Meyers", country="US",
              email="rob.meyers@gmail.com", phone="+1 212 555 0101"),
        guest("b", first_name="Robert", last_name="Meyers", country="US",
              email="meyers.r@outlook.com", phone="+1 415 555 0199"),
    ])
    assert found.get(pair, 0) == 0


def test_a_parent_and_child_namesake_at_one_address_with_their_own_phones_stay_apart():
    clusters = resolve([
        guest("parent", first_name="Jara", last_name="Lang", email="jara668@web.de",
              phone="+41 78 731 62 84", **HOME),
        guest("child", first_name="Jara", last_name="Lang", email="jlang@gmx.de",
              phone="+41 73 456 62 44", **HOME),
    ]).clusters
    assert clusters["parent"] != clusters["child"]


def test_one_guest_at_home_with_an_email_on_one_record_only_still_merges():
    clusters = resolve([
        guest("a", first_name="Jara", last_name="Lang", email="jara668@web.de", **HOME),
        guest("b", first_name="Jara", last_name="Lang", birth_date="1977-08-01", **HOME),
    ]).clusters
    assert clusters["a"] == clusters["b"]


def test_a_chain_through_a_record_without_contacts_does_not_join_two_namesakes():
    """a~b on name and address, b~c on name and address: a and c each have their own
    phone and email, so the cluster {a, b} must not take c (nor {b, c} take a)."""
    clusters = resolve([
        guest("a", first_name="Manon", last_name="Grenier", email="manon.grenier@gmx.de",
              phone="+33 6 44 78 96 59", **HOME),
        guest("b", first_name="Manon", last_name="Grenier", **HOME),
        guest("c", first_name="Manon", last_name="Grenier", email="mgrenier@libero.it",
              phone="+33 6 44 83 85 12", **HOME),
    ]).clusters
    assert clusters["a"] != clusters["c"]


def test_a_local_part_made_of_the_name_is_no_evidence_across_providers():
    def local(email: str, first: str = "Tanya", last: str = "Smith") -> str | None:
        return own_local_part(normalize(GuestRecord(record_id="x", first_name=first,
                                                    last_name=last, email=email)))

    assert local("tanyasmith@qq.com") is None
    assert local("tanya.smith@icloud.com") is None
    assert local("tsmith@icloud.com") is None
    assert local("tanya.smith84@icloud.com") == "tanya.smith84"
    assert local("sunflower.t@icloud.com") == "sunflower.t"


def test_birth_years_a_generation_apart_veto_a_merge_where_people_keep_their_fields():
    def rec(dob: str) -> object:
        return normalize(GuestRecord(record_id=dob, first_name="Maria", last_name="Rossi",
                                     birth_date=dob))

    father, son = rec("1960-05-12"), rec("1988-11-02")
    assert records_generation_apart(father, son)
    assert records_conflict(father, son, Vetoes(first=True, dob=False))
    # FEBRL-like data, where a third of the duplicates carry a random birth date: the
    # learned weight decides there, not a veto.
    assert not records_conflict(father, son, Vetoes(first=False, dob=False))
    # Transposed digits (1984/1948) and day/month swaps are typos, not a generation.
    assert not records_generation_apart(rec("1984-03-07"), rec("1948-03-07"))
    assert not records_generation_apart(rec("1984-03-07"), rec("1984-07-03"))
    assert not records_generation_apart(rec("1984"), rec("1990"))
    assert records_generation_apart(rec("1950"), rec("1990"))


def test_name_only_pairs_go_to_review_rarest_name_first():
    """Rarity is counted over distinct full names (a guest with many stays does not make
    their own name common): Anna and Müller are common because many people carry them."""
    firsts = ["Anna", "Lukas", "Marie", "Jonas", "Lea", "Felix", "Mia", "Paul", "Emma", "Ben"]
    lasts = ["Müller", "Schmidt", "Fischer", "Weber", "Wagner", "Becker", "Hoffmann", "Koch"]
    crowd = [guest(f"c{i}-{j}", first_name=f, last_name=s, country="DE")
             for i, f in enumerate(firsts) for j, s in enumerate(lasts)]
    twice = [guest(f"{who}{n}", first_name=f, last_name=s, country="DE")
             for who, f, s in (("anna", "Anna", "Müller"), ("evfr", "Evfrosiniya", "Kiseleva"))
             for n in range(2)]
    result = resolve(crowd + twice, MatchSettings())
    assert result.clusters["anna0"] != result.clusters["anna1"]
    assert result.clusters["evfr0"] != result.clusters["evfr1"]
    order = [frozenset((a, b)) for a, b, _ in result.review_pairs()]
    rare, common = frozenset(("evfr0", "evfr1")), frozenset(("anna0", "anna1"))
    assert rare in order
    assert common not in order or order.index(rare) < order.index(common)


def test_a_phone_that_a_father_and_son_of_one_name_both_give_is_no_evidence_for_either():
    import numpy as np

    from guestcrm.services.identity.matching.columns import RecordColumns
    from guestcrm.services.identity.matching.features import compare
    from guestcrm.services.identity.matching.namesakes import (
        discount_namesake_contacts,
        namesake_contacts,
    )

    home = {"phone": "+44 7278 137168", "country": "GB"}
    records = [normalize(r) for r in (
        guest("father", first_name="Peter", last_name="Harding", birth_date="1962-09-08", **home),
        guest("son", first_name="Peter", last_name="Harding", birth_date="1991-04-27", **home),
        guest("booking", first_name="Peter", last_name="Harding", **home),
        guest("mum", first_name="Ruth", last_name="Harding", birth_date="1964-02-01",
              phone="+44 7399 069659", country="GB"),
    )]
    flags = namesake_contacts(records)
    assert flags["phone"].tolist() == [True, True, True, False]
    feats = compare(RecordColumns(records), np.array([0, 1]), np.array([2, 2]))
    assert (feats.levels["phone"] == 1).all()  # exact
    people = {"email": np.ones(4, dtype=np.int64), "phone": np.ones(4, dtype=np.int64)}
    discount_namesake_contacts(feats, flags, people)
    assert (feats.levels["phone"] == 0).all()  # says nothing about which Peter it is
    assert people["phone"].tolist() == [2, 2, 2, 1]


def test_two_different_loyalty_numbers_count_against_a_merge():
    pair = frozenset(("a", "b"))
    found = decisions([
        guest("a", first_name="Jovan", last_name="Birnbaum", loyalty_id="L26143985", **HOME),
        guest("b", first_name="Jovan", last_name="Birnbaum", loyalty_id="L87341725", **HOME),
    ])
    assert found.get(pair, 0) != 2
