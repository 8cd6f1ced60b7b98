"""Mail to guests: an outbox table and its delivery over SMTP."""
