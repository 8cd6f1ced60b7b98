"""Database plumbing without domain words: transaction memory, id pool, advisory locks, upserts,
row images."""
