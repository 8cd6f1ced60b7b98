"""Identity resolution core: plain records in, one cluster per real guest out.

Pure functions over plain values (no database, no Flask), so the production path (blocking
keys in a table, incremental matching, review queue) plugs in around them.
"""

from .api import MatchResult, match_records, resolve
from .normalize import NormalizedRecord, normalize
from .records import RECORD_FIELDS, GuestRecord
from .settings import Decision, MatchSettings, classify

__all__ = [
    "RECORD_FIELDS",
    "Decision",
    "GuestRecord",
    "MatchResult",
    "MatchSettings",
    "NormalizedRecord",
    "classify",
    "match_records",
    "normalize",
    "resolve",
]
