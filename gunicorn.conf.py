"""gunicorn settings read from the working directory (scripts/demo.sh and the README's
production command run gunicorn from the repository root).

The access log leaves out query strings and referrers: guest look-ups carry names, emails and
phone numbers there (`/desk/?q=...`, `/api/v1/guests?email=...`), and an access log is kept,
copied and shipped far more freely than the database.
"""

access_log_format = '%(h)s %(l)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)ss "%(a)s"'
