"""Privacy: what is held about a guest (export), erasure, and retention."""
