"""The domain: plain functions taking a session and plain values; no request, no Flask globals."""
