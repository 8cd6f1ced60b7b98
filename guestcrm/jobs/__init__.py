"""Background jobs: they take ids, load, and call a service."""
