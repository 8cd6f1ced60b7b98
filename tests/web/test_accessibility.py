"""axe-core (npm) over every staff page and the guest portal's pages in real Chromium: no
serious or critical violations."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from guestcrm.extensions import db
from tests.factories import PASSWORD, staff
from tests.integration.perk_support import publish_offer, stay

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
STAFF_PAGES = ("/desk/?property=H1", "/guests", "/revenue/", "/revenue/offers/new",
               "/revenue/analytics", "/revenue/settings", "/admin/review/", "/admin/inbox",
               "/admin/audit", "/admin/hotels", "/admin/privacy/", "/admin/staff",
               "/admin/tokens", "/admin/credentials", "/admin/connectors", "/me/")


def serious_violations(page) -> list[str]:
    if not AXE.is_file():
        pytest.fail("axe-core is required (scripts/install.sh --test runs npm ci)")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
    }""")
    return found


def test_no_page_has_serious_or_critical_accessibility_violations(live_server, browser):
    session = db.session
    guest_stay = stay(session, "S1", status="confirmed", arrival=date.today())
    publish_offer(session)
    admin = staff("admin", email="a11y@hotel.test")
    session.commit()
    # The scanner is injected by the test: the site's CSP (scripts from itself only) must let it in.
    page = browser.new_context(viewport={"width": 1024, "height": 768}, bypass_csp=True).new_page()
    page.goto(f"{live_server}/login")
    page.fill("#email", admin.email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    problems = {}
    for path in STAFF_PAGES + (f"/guests/{guest_stay.profile_id}", "/revenue/offers/1"):
        page.goto(f"{live_server}{path}")
        found = serious_violations(page)
        if found:
            problems[path] = found
    page.goto(f"{live_server}/desk/?property=H1")
    page.locator("article.arrival .guest-name").first.click()
    page.wait_for_selector("#drawer:not([hidden])")
    found = serious_violations(page)
    if found:
        problems["drawer"] = found
    assert problems == {}, "\n".join(f"{p}: {v}" for p, v in problems.items())
