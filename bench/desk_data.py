"""Synthetic chain data for bench/desk.py, generated inside PostgreSQL (generate_series) so that a
million profiles and three million stays take minutes. Deterministic: ids drive every value."""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.engine import Engine

PROPERTIES = 20
FIRST = "ARRAY['Anna','Ben','Chiara','David','Elena','Felix','Greta','Hugo','Ines','Jan'," \
        "'Katrin','Luca','Marta','Nils','Olga','Paul','Rosa','Stefan','Tina','Urs']"
LAST = "ARRAY['Huber','Gruber','Rossi','Bianchi','Muller','Schmid','Weber','Meier','Costa'," \
       "'Ferrari','Keller','Brunner','Wolf','Fischer','Berger','Moser','Bauer','Lang','Frei'," \
       "'Graf','Steiner','Hofer','Fuchs','Egger','Winkler','Lehner','Koller','Pichler','Aigner'," \
       "'Mayr']"


def generate(engine: Engine, profiles: int, stays: int, arrivals: int, day: date, log) -> None:
    p = {"n": profiles, "m": stays, "a": arrivals, "day": day, "props": PROPERTIES}
    steps = [
        ("properties", """
            INSERT INTO property (id, code, name, timezone, first_seen_at, confirmed_at,
                                  confirmed_by)
            SELECT i, 'P' || lpad((i - 1)::text, 2, '0'), 'Hotel ' || i, 'UTC', now(), now(),
                   'bench'
            FROM generate_series(1, :props) i"""),
        ("profiles", f"""
            INSERT INTO guest_profile (id, first_name, last_name, birth_date, field_versions,
                created_at, updated_at, completed_stays, nights, spend, cancellations, no_shows,
                upcoming_stays, channel_mix)
            SELECT g, ({FIRST})[1 + g % 20], ({LAST})[1 + (g / 20) % 30],
                   date '1940-01-01' + (g::bigint * 7919 % 25000)::int, '{{}}', now(), now(),
                   0, 0, 0, 0, 0, 0, '{{}}'
            FROM generate_series(1, :n) g"""),
        ("stays (history)", """
            INSERT INTO stay (id, source, property_id, external_id, profile_id, status, arrival,
                departure, nights, channel, channel_name, amount, currency, special_requests,
                comments, vendor_sequence, version_key, field_versions, created_at, updated_at)
            SELECT s, 'bench', 1 + s % :props, 'B' || s, 1 + (s::bigint * 2654435761 % :n),
                   CASE WHEN s % 17 = 0 THEN 'cancelled' WHEN s % 101 = 0 THEN 'no_show'
                        ELSE 'checked_out' END,
                   :day - (20 + s * 7 % 1800), :day - (20 + s * 7 % 1800) + (1 + s % 5),
                   1 + s % 5, CASE WHEN s % 3 = 0 THEN 'ota' ELSE 'direct' END,
                   CASE WHEN s % 3 = 0 THEN 'Booking.com' END,
                   (1 + s % 5) * (80 + s % 220), 'EUR', '[]', '[]', 0, '0', '{}', now(), now()
            FROM generate_series(1, :m) s"""),
        ("stays (arrivals)", """
            INSERT INTO stay (id, source, property_id, external_id, profile_id, status, arrival,
                departure, nights, room_type, channel, amount, currency, special_requests,
                comments, vendor_sequence, version_key, field_versions, created_at, updated_at)
            SELECT :m + i, 'bench', 1, 'A' || i, 1 + (i::bigint * 1997 % :n), 'confirmed', :day,
                   :day + 2, 2, 'DBL', CASE WHEN i % 4 = 0 THEN 'ota' ELSE 'direct' END, 300,
                   'EUR', CASE WHEN i % 10 = 0 THEN '["late arrival"]' ELSE '[]' END::json, '[]', 0,
                   '0', '{}', now(), now()
            FROM generate_series(1, :a) i"""),
        ("stay guests", """
            INSERT INTO stay_guest (id, stay_id, profile_id, position, is_primary)
            SELECT id, id, profile_id, 0, true FROM stay"""),
        ("counters", """
            UPDATE guest_profile gp SET completed_stays = a.c, nights = a.nights, spend = a.spend,
                cancellations = a.x, no_shows = a.ns, first_stay = a.f, last_stay = a.l
            FROM (SELECT profile_id, count(*) FILTER (WHERE status = 'checked_out') c,
                         coalesce(sum(nights) FILTER (WHERE status = 'checked_out'), 0) nights,
                         coalesce(sum(amount) FILTER (WHERE status = 'checked_out'), 0) spend,
                         count(*) FILTER (WHERE status = 'cancelled') x,
                         count(*) FILTER (WHERE status = 'no_show') ns,
                         min(arrival) FILTER (WHERE status = 'checked_out') f,
                         max(departure) FILTER (WHERE status = 'checked_out') l
                  FROM stay GROUP BY profile_id) a
            WHERE gp.id = a.profile_id"""),
        ("value rows", """
            INSERT INTO guest_value (profile_id, average_stay_value, lifetime_value, direct_stays,
                ota_stays, computed_at)
            SELECT id, 0, 0, 0, 0, now() FROM guest_profile"""),
        ("complaints", """
            INSERT INTO complaint (profile_id, property_id, occurred_on, category, description,
                resolution, created_at)
            SELECT 1 + (c::bigint * 7907 % :n), 1 + c % :props, :day - (30 + c % 900), 'noise',
                   'Street noise at night', 'Moved to a courtyard room', now()
            FROM generate_series(1, :n / 20) c"""),
        ("preferences", """
            INSERT INTO preference (profile_id, key, value, source, times_seen, last_seen)
            SELECT g, (ARRAY['pillow','bed','floor','dietary'])[1 + g % 4],
                   (ARRAY['feather','king','high','vegetarian'])[1 + g % 4], 'staff', 1 + g % 3,
                   now()
            FROM generate_series(2, :n, 2) g"""),
        ("vip assignments", """
            INSERT INTO vip_assignment (profile_id, level_id, reason, source, set_by, set_at)
            SELECT g, (SELECT id FROM vip_level WHERE code = 'VIP1'), 'Bench VIP', 'staff',
                   'bench', now()
            FROM generate_series(200, :n, 200) g"""),
    ]
    # One transaction per step: a single one over millions of rows holds locks and WAL longer
    # than the shared server (other test runs use it too) likes.
    for name, sql in steps:
        log(f"  generating {name} ...")
        with engine.begin() as conn:
            conn.execute(text(sql), p)
    with engine.begin() as conn:
        for table in ("guest_profile", "stay", "stay_guest", "property"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT max(id) FROM {table}))"))
