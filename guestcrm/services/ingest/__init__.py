"""Ingest: the webhook inbox, the drain, a canonical reservation becoming a stay, versions, card
masking, imports and pulls."""
