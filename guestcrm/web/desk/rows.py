"""The arrival board's rows, written as one string per row.

A board lists every arrival of the day (500 at a large hotel) with their badges: rendered by
Jinja that is some 40 escaped expressions a row, and it cost as much as computing the flags.
Here each row is one f-string; what varies per row (names, reasons) is escaped once, and what
repeats (rule codes, labels, colours) once per board. The markup is the one documented in
templates/desk/_arrivals.html; the status cell matches templates/desk/_status.html (a test
keeps the two equal).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from flask import url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from guestcrm.services.recognition.arrivals import Arrival


def arrival_rows(arrivals: Iterable[Arrival]) -> Markup:
    """The <article> rows of the board for these arrivals (request context needed)."""
    guest_url = url_for("desk.guest", profile_id=0)[:-1]
    checkin_url = url_for("desk.check_in", stay_id=0)[:-len("0/check-in")]
    token = escape(generate_csrf())
    quoted: dict[str, str] = {}
    memo: dict[str, str] = {}
    badges: dict[tuple[str, str, str], tuple[str, str, str]] = {}

    def once(text: str) -> str:
        found = memo.get(text)
        if found is None:
            found = memo[text] = str(escape(text))
        return found

    def badge(code: str, label: str, colour: str) -> tuple[str, str, str]:
        # A badge around the stay id and the reason: the same three pieces all board long.
        c = once(code)
        found = badges[code, label, colour] = (
            f'<li class="flag"><button type="button" class="badge" style="--badge: '
            f'{once(colour)}" aria-describedby="r-',
            f'-{c}" data-flag="{c}">{once(label)}</button>\n'
            '<span class="tip" role="tooltip" id="r-', f'-{c}">')
        return found

    out: list[str] = []
    add = out.append
    for a in arrivals:
        sid = a.stay_id
        name = escape(a.guest_name)
        flags = a.flags
        in_class = " is-in" if a.checked_in else ""
        border = f' style="border-left-color: {once(flags[0].colour)}"' if flags else ""
        add(f'<article class="arrival{in_class}" id="stay-{sid}" role="listitem" '
            f'data-priority="{a.rank[0]}" tabindex="0"{border}>\n<div class="who">\n')
        if a.profile_id:
            prop = quoted.get(a.property_code)
            if prop is None:
                prop = quoted[a.property_code] = str(escape(quote(a.property_code, safe="/")))
            add(f'<button type="button" class="guest-name" hx-get="{guest_url}{a.profile_id}'
                f'?property={prop}" hx-target="#drawer-body" hx-swap="innerHTML">{name}</button>\n')
        else:
            add(f'<span class="guest-name">{name}</span>\n')
        add(f'<span class="stay-line">{escape(a.stay_line)}</span>\n</div>\n'
            '<ul class="flags" aria-label="Why this guest matters">\n')
        for f in flags:
            start, middle, end = (badges.get((f.code, f.label, f.colour))
                                  or badge(f.code, f.label, f.colour))
            add(f'{start}{sid}{middle}{sid}{end}{escape(f.reason)}</span></li>\n')
        add('</ul>\n<div class="act">\n')
        add(status_cell(sid, a.checked_in_at, a.checked_in, checkin_url, token))
        add('\n</div>\n</article>\n')
    return Markup("".join(out))  # noqa: S704  (every value above is escaped or a number)


def status_cell(stay_id: int, checked_in_at, checked_in: bool, checkin_url: str,
                token: str) -> str:
    """The check-in cell: the time of the check-in, or the button."""
    if checked_in_at is not None:
        return (f'<div class="status" id="status-{stay_id}"><span class="checked">✓ Checked in '
                f'<time class="local-time" datetime="{checked_in_at.isoformat()}">'
                f'{checked_in_at:%H:%M} UTC</time></span></div>')
    if checked_in:
        return (f'<div class="status" id="status-{stay_id}">'
                '<span class="checked">✓ Checked in</span></div>')
    url = f"{checkin_url}{stay_id}/check-in"
    return (f'<div class="status" id="status-{stay_id}"><form method="post" action="{url}" '
            f'hx-post="{url}" hx-target="#status-{stay_id}" hx-swap="outerHTML">'
            f'<input type="hidden" name="csrf_token" value="{token}">'
            '<button type="submit" class="primary check-in">Check in</button></form></div>')
