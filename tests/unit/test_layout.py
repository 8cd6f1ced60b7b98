"""The layer rules that import-linter cannot see, and the one schedule list."""

from __future__ import annotations

import ast
from pathlib import Path

from guestcrm.jobs.inbox import reconcile
from guestcrm.jobs.pull import pull_alpinebits
from guestcrm.jobs.schedule import periodic_jobs
from guestcrm.jobs.value import nightly_value_job

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "guestcrm" / "services"


def _domain(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if parts[:2] == ["guestcrm", "services"] and len(parts) > 2 else None


def test_no_domain_package_imports_another_domains_private_names():
    offences = []
    for path in sorted(SERVICES.rglob("*.py")):
        importer = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.ImportFrom) or not node.module:
                continue
            imported = _domain(node.module)
            if imported is None or imported == _domain(importer):
                continue
            offences += [f"{importer} imports {node.module}.{alias.name}"
                         for alias in node.names if alias.name.startswith("_")]
    assert offences == []


def test_services_hold_domain_packages_not_loose_modules():
    loose = [p.name for p in SERVICES.glob("*.py") if p.name != "__init__.py"]
    assert loose == []


def test_the_schedule_lists_every_periodic_job_once(monkeypatch):
    monkeypatch.setenv("GUESTCRM_ALPINEBITS_SOURCES", '[{"name": "ab1", "url": '
                       '"http://127.0.0.1:9/alpinebits", "user": "u", "password": "p", '
                       '"hotel_code": "ALP1"}]')
    config = {"RECONCILE_AFTER_SECONDS": 60, "ALPINEBITS_PULL_SECONDS": 300,
              "NIGHTLY_CRON": "15 3 * * *", "DEDUPE_CRON": "45 3 * * 0",
              "CLOUD_SYNC_SECONDS": 900}
    jobs = {job.name: job for job in periodic_jobs(config)}
    assert len(jobs) == len(periodic_jobs(config))
    assert jobs["reconcile"].func is reconcile and jobs["reconcile"].interval == 60
    assert jobs["nightly-value"].func is nightly_value_job
    assert jobs["nightly-value"].cron == "15 3 * * *" and jobs["nightly-value"].interval is None
    assert jobs["pull-alpinebits-ab1"].func is pull_alpinebits
    assert jobs["pull-alpinebits-ab1"].args == ("ab1",)
    assert all((job.interval is None) != (job.cron is None) for job in jobs.values())
