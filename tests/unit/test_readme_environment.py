"""The README documents every environment variable the code reads by name."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_the_code_reads_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    code = "".join(p.read_text() for folder in ("guestcrm", "connectors")
                   for p in (ROOT / folder).rglob("*.py"))
    code += (ROOT / "scripts" / "demo.sh").read_text()
    named = set(re.findall(r"GUESTCRM_[A-Z][A-Z_]*[A-Z]", code))
    named |= {f"GUESTCRM_{n}" for n in re.findall(r'_setting\("([A-Z_]+)"\)', code)}
    named |= {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PORT"}
    # Families written with a placeholder in the README (GUESTCRM_WEBHOOK_<CONNECTOR>, ...).
    families = ("GUESTCRM_WEBHOOK_", "GUESTCRM_OIDC_")
    missing = sorted(n for n in named if n not in readme and not n.startswith(families))
    assert missing == []
