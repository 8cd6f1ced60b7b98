"""Identity: which records are the same guest (exact keys, fuzzy matching), merges and their undo,
the review queue, survivorship, dedupe."""
