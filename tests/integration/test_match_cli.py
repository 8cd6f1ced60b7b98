"""`flask --app wsgi match --input records.jsonl --output clusters.csv` as DESIGN.md says."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RECORDS = [
    {"record_id": "a1", "source": "pms", "first_name": "Katharina", "last_name": "Müller",
     "email": "k.mueller@web.de", "phone": "+49 176 12345678", "birth_date": "1980-04-12",
     "street": None, "city": "München", "postal_code": "80331", "country": "DE",
     "language": "de", "loyalty_id": None, "arrival": "2025-05-01"},
    {"record_id": "a2", "source": "booking", "first_name": "Katharina", "last_name": "Mueller",
     "email": "k.mueller@web.de", "phone": "0176 12345678", "birth_date": "12.04.1980",
     "street": None, "city": None, "postal_code": None, "country": "DE", "language": None,
     "loyalty_id": None, "arrival": "2025-07-01"},
    {"record_id": "b1", "source": "pms", "first_name": "Peter", "last_name": "Schmidt",
     "email": "peter@schmidt.example", "phone": None, "birth_date": None, "street": None,
     "city": None, "postal_code": None, "country": "DE", "language": None, "loyalty_id": None,
     "arrival": None},
    {"record_id": "c1", "source": "ota", "first_name": "😀", "last_name": "", "email": None,
     "phone": "not a number", "birth_date": "31.02.1799", "street": None, "city": None,
     "postal_code": None, "country": None, "language": None, "loyalty_id": None,
     "arrival": None},
]


def flask(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{cwd / 'unused.sqlite3'}"}
    env.pop("REDIS_URL", None)
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def test_match_writes_one_profile_id_per_record_and_reports_progress_on_stderr(tmp_path):
    source = write_jsonl(tmp_path / "records.jsonl", RECORDS)
    out = tmp_path / "clusters.csv"
    done = flask("match", "--input", str(source), "--output", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "records" in done.stderr and done.stdout == ""
    with out.open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["record_id", "profile_id"]
    clusters = dict(rows[1:])
    assert list(clusters) == ["a1", "a2", "b1", "c1"]
    assert clusters["a1"] == clusters["a2"]
    assert len({clusters["a1"], clusters["b1"], clusters["c1"]}) == 3


@pytest.mark.parametrize(("content", "message"), [
    ('{"record_id": "x"}\nnot json\n', "line 2: not valid JSON"),
    ('[1, 2]\n', "line 1: expected a JSON object"),
    ('{"first_name": "Ann"}\n', "line 1: record_id is missing"),
    ('{"record_id": "x"}\n{"record_id": "x"}\n', "duplicate record_id"),
    ('{"record_id": "x", "email": {"a": 1}}\n', "email must be a string"),
])
def test_bad_input_is_a_clear_error_and_a_non_zero_exit(tmp_path, content, message):
    source = tmp_path / "bad.jsonl"
    source.write_text(content, "utf-8")
    out = tmp_path / "clusters.csv"
    done = flask("match", "--input", str(source), "--output", str(out), cwd=tmp_path)
    assert done.returncode != 0
    assert message in done.stderr and "Traceback" not in done.stderr


def test_a_missing_input_file_and_binary_input_are_refused(tmp_path):
    out = tmp_path / "clusters.csv"
    missing = flask("match", "--input", str(tmp_path / "nope.jsonl"), "--output", str(out),
                    cwd=tmp_path)
    assert missing.returncode != 0 and "does not exist" in missing.stderr
    binary = tmp_path / "records.jsonl"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    done = flask("match", "--input", str(binary), "--output", str(out), cwd=tmp_path)
    assert done.returncode != 0 and "Traceback" not in done.stderr


def test_an_empty_input_gives_only_the_header(tmp_path):
    source = tmp_path / "empty.jsonl"
    source.write_text("\n", "utf-8")
    out = tmp_path / "clusters.csv"
    done = flask("match", "--input", str(source), "--output", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert out.read_text().splitlines() == ["record_id,profile_id"]
