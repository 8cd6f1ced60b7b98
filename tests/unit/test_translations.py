"""Every text of the guest portal has its German translation (babel.cfg says where they are)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def test_every_portal_text_is_translated_to_german():
    from babel.messages.frontend import parse_mapping_cfg

    method_map, options_map = parse_mapping_cfg((ROOT / "babel.cfg").open())
    wanted = {message for _, _, message, _, _ in extract_from_dir(
        str(ROOT), method_map, options_map, keywords={"_": None, "gettext": None})}
    catalog = read_po((ROOT / "guestcrm/translations/de/LC_MESSAGES/messages.po").open("rb"),
                      locale="de")
    missing = sorted(m for m in wanted if not (m in catalog and catalog[m].string))
    assert wanted and missing == []
