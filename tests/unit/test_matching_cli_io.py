"""JSONL in, CSV out: the file side of `flask match`."""

from __future__ import annotations

import csv
import json

import pytest

from guestcrm.services.identity.matching.cli_io import InputError, read_jsonl, run_match


def write_lines(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_match_run_writes_one_profile_per_guest(tmp_path):
    records = [
        {"record_id": "r1", "first_name": "Lena", "last_name": "Vogel", "email": "lena@web.de",
         "phone": "+49 170 1234567", "birth_date": "1984-03-07"},
        {"record_id": "r2", "first_name": "Lena", "last_name": "Vogel", "email": "LENA@web.de",
         "phone": "0170 1234567", "country": "DE", "birth_date": None},
        {"record_id": "r3", "first_name": "Omar", "last_name": "Haddad", "email": None},
    ]
    src = write_lines(tmp_path / "in.jsonl", [json.dumps(r) for r in records])
    out = tmp_path / "out.csv"
    messages = []
    summary = run_match(src, out, progress=messages.append)
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["record_id", "profile_id"]
    profile = dict(rows[1:])
    assert list(profile) == ["r1", "r2", "r3"]
    assert profile["r1"] == profile["r2"] != profile["r3"]
    assert summary["records"] == 3 and summary["profiles"] == 2
    assert messages


def test_blank_lines_and_unknown_keys_are_tolerated(tmp_path):
    src = write_lines(tmp_path / "in.jsonl", ['{"record_id": "a", "vip": true}', "", "  "])
    assert [r.record_id for r in read_jsonl(src)] == ["a"]


@pytest.mark.parametrize(("line", "reason"), [
    ("{not json", "not valid JSON"),
    ('["a", "b"]', "expected a JSON object"),
    ('{"first_name": "Ann"}', "record_id"),
    ('{"record_id": "x", "email": {"a": 1}}', "email"),
])
def test_a_bad_line_is_reported_with_its_number(tmp_path, line, reason):
    src = write_lines(tmp_path / "in.jsonl", ['{"record_id": "ok"}', line])
    with pytest.raises(InputError, match=rf"line 2: .*{reason}"):
        list(read_jsonl(src))


def test_a_repeated_record_id_is_reported_with_its_line(tmp_path):
    src = write_lines(tmp_path / "in.jsonl", ['{"record_id": "a"}', '{"record_id": "a"}'])
    with pytest.raises(InputError, match="line 2: duplicate record_id"):
        list(read_jsonl(src))


def test_an_empty_input_writes_only_the_header(tmp_path):
    src = write_lines(tmp_path / "in.jsonl", [""])
    out = tmp_path / "out.csv"
    assert run_match(src, out)["records"] == 0
    assert out.read_text(encoding="utf-8").splitlines() == ["record_id,profile_id"]
