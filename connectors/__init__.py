"""Connectors turn vendor bytes into canonical reservations; no database, no Flask."""
