"""Synthetic guests for bench/guest_search.py, generated inside PostgreSQL (generate_series):
a million profiles with varied names (some with accents), an email and a phone each, loyalty
numbers, one or two stays at twenty hotels in Germany. Deterministic: ids drive every value."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from guestcrm.services.guests.search_text import search_text

PROPERTIES = 20
FIRST = ("Anna Ben Chiara David Elena Felix Greta Hugo Ines Jan Katrin Luca Marta Nils Olga Paul "
         "Rosa Stefan Tina Urs Jürgen Zoë Søren Renée José Łukasz Ágnes Björn Dörte François "
         "Maria Peter Thomas Sabine Andrea Michael Julia Daniel Laura Simon Lena Tobias Sophie "
         "Lukas Hannah Jonas Emma Leon Mia Noah Clara Elias Lea Finn Ida Emil Nora Oskar Ella "
         "Henri Mila Anton Paula Theo Frieda Karl").split()
# 60 x 60 stems and endings: 3,600 surnames, the commonest one in some 300 of a million guests.
STEMS = ("Ober Unter Hof Berg Wald Feld Stein Bach Brunn Mül Schmi Wag Bau Hub Grub Eg Lang "
         "Kurz Klein Gross Neu Alt Rot Weiss Schwarz Gold Silber Eisen Holz Wies Moos Au Thal "
         "Kirch Burg Dorf Bichl Leit Rain Wink Tann Buch Eich Lind Ross Kell Pich Aig Stöck "
         "Rossi Bian Ferr Colom Ricc Marin Gall Cost Bruno Fonta Conti").split()
ENDINGS = ("er mann huber maier bauer müller wieser leitner egger hofer berger steiner gruber "
           "lechner moser fischer weber wagner schmid koller ini etti ello oni ardi ucci "
           "ato ese ier inger ler ner ster ling hart brecht wald feld stätter rieder thaler "
           "bichler lehner auer eder böck reiter kofler pichler holzer rainer kirchner "
           "dorfer burger seer bacher brunner tanner linder").split()


def _surnames() -> list[str]:
    return [stem + ending for stem in STEMS for ending in ENDINGS]


def names() -> tuple[list[str], list[str]]:
    return FIRST, _surnames()


def generate(engine: Engine, profiles: int, log) -> None:
    first, last = names()
    params = {
        "n": profiles, "props": PROPERTIES, "first": first, "last": last,
        "nf": len(first), "nl": len(last),
        # Each name folded by the code the ORM uses: search_text(first, last) is the two joined.
        "first_folded": [search_text(name, None) for name in first],
        "last_folded": [search_text(None, name) for name in last],
    }
    steps = [
        ("hotels", """
            INSERT INTO property (id, code, name, country, timezone, first_seen_at, confirmed_at)
            SELECT i, 'P' || lpad((i - 1)::text, 2, '0'), 'Hotel ' || i,
                   'DE', 'UTC', now(), now()
            FROM generate_series(1, :props) i"""),
        ("profiles", """
            WITH f AS (SELECT * FROM unnest(CAST(:first AS text[]), CAST(:first_folded AS text[]))
                           WITH ORDINALITY AS f(name, folded, i)),
                 l AS (SELECT * FROM unnest(CAST(:last AS text[]), CAST(:last_folded AS text[]))
                           WITH ORDINALITY AS l(name, folded, i)),
                 g AS (SELECT g, 1 + g % :nf AS fi, 1 + (g::bigint * 7919) % :nl AS li
                       FROM generate_series(1, :n) g)
            INSERT INTO guest_profile (id, first_name, last_name, search_text, company,
                field_versions, created_at, updated_at, completed_stays, nights, spend,
                cancellations, no_shows, upcoming_stays, channel_mix)
            SELECT g.g, f.name, l.name,
                   f.folded || ' ' || l.folded
                       || CASE WHEN g.g % 50 = 0 THEN ' firma ' || (g.g % 997) ELSE '' END,
                   CASE WHEN g.g % 50 = 0 THEN 'Firma ' || (g.g % 997) END,
                   '{}', now(), now(), 1, 2, 300, 0, 0, 0, '{}'
            FROM g JOIN f ON f.i = g.fi JOIN l ON l.i = g.li"""),
        ("emails", """
            INSERT INTO contact_point (profile_id, kind, value_raw, value_normalized, is_relay,
                is_valid, verified, source, first_seen, last_seen)
            SELECT g, 'email', 'guest' || g || '@mail.test', 'guest' || g || '@mail.test',
                   false, true, false, 'bench', now(), now()
            FROM generate_series(1, :n) g"""),
        ("phones", """
            INSERT INTO contact_point (profile_id, kind, value_raw, value_normalized, is_relay,
                is_valid, verified, source, first_seen, last_seen)
            SELECT g, 'phone', '+49 30 ' || (2000000 + g), '+4930' || (2000000 + g),
                   false, true, false, 'bench', now(), now()
            FROM generate_series(1, :n) g"""),
        ("loyalty numbers", """
            INSERT INTO external_id (profile_id, kind, system, value, created_at)
            SELECT g, 'loyalty', 'CLUB', 'CLUB-' || g, now()
            FROM generate_series(5, :n, 5) g"""),
        ("stays", """
            INSERT INTO stay (id, source, property_id, external_id, profile_id, status, arrival,
                departure, nights, channel, amount, currency, special_requests, comments,
                vendor_sequence, version_key, field_versions, created_at, updated_at)
            SELECT s, 'bench', 1 + (s::bigint * 2654435761 % 1000003) % :props, 'R' || s,
                   CASE WHEN s <= :n THEN s ELSE 1 + (s * 2654435761) % :n END, 'checked_out',
                   date '2024-01-01' + s % 600, date '2024-01-01' + s % 600 + 2, 2, 'direct',
                   300, 'EUR', '[]', '[]', 0, '0', '{}', now(), now()
            FROM generate_series(1, :n + :n / 2) s"""),
        ("stay guests", """
            INSERT INTO stay_guest (id, stay_id, profile_id, position, is_primary)
            SELECT id, id, profile_id, 0, true FROM stay"""),
    ]
    # One transaction per step: the shared server (other runs use it) holds less at once.
    for name, sql in steps:
        log(f"  generating {name} ...")
        with engine.begin() as conn:
            conn.execute(text(sql), params)
    with engine.begin() as conn:
        for table in ("guest_profile", "stay", "stay_guest", "property"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT max(id) FROM {table}))"))
