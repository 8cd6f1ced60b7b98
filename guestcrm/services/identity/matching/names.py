"""Person names: transliteration, titles, generational suffixes, nicknames, phonetic codes."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jellyfish
from anyascii import anyascii

_TITLES = frozenset(
    "mr mrs ms miss mx dr prof herr frau hr fr mme mlle monsieur madame madam sir dame lady lord "
    "sig sigra dott ing mag rev fam familie family sra srta dona don".split()
)
_SUFFIXES = {
    "jr": "jr", "jnr": "jr", "junior": "jr", "sr": "sr", "snr": "sr", "senior": "sr",
    "ii": "ii", "iii": "iii", "iv": "iv", "2nd": "ii", "3rd": "iii",
}
# Whole-field values that staff and channels type when they do not know the name.
_PLACEHOLDERS = frozenset(
    {"guest", "unknown", "n a", "na", "none", "null", "nil", "test", "xxx", "xx", "x", "tba",
     "tbd", "nn", "no name", "noname", "anonymous", "walk in", "walkin", "guest guest", "name",
     "first name", "last name", "firstname", "lastname", "booker", "hotel guest", "gast"}
)
# Surname particles: kept in the joined surname, never a surname on their own.
_PARTICLES = frozenset(
    "van von de der den da di du la le del della dos das ten ter al el bin ben".split()
)
_KEEP = re.compile(r"[^a-z0-9 ]+")

# Diminutives the English `nicknames` data does not know; small on purpose (common in hotels).
_EXTRA_NICKNAMES: dict[str, tuple[str, ...]] = {
    "johann": ("hans", "jo"), "johannes": ("hans", "jo"), "josef": ("sepp", "beppo"),
    "giuseppe": ("beppe", "pino"), "francesco": ("franco", "cesco"),
    "francisco": ("paco", "pancho"), "jose": ("pepe",), "aleksandr": ("sasha", "sascha"),
    "alexander": ("sasha", "sascha", "alex"), "aleksandra": ("sasha", "sascha"),
    "alexandra": ("sasha", "sascha", "alex"), "dmitry": ("dima",), "dmitri": ("dima",),
    "vladimir": ("vova", "volodya"), "mikhail": ("misha",), "ekaterina": ("katya",),
    "yekaterina": ("katya",), "katharina": ("kathi", "kati", "katja"),
    "elisabeth": ("lisa", "sissi", "elise"), "wolfgang": ("wolf",), "friedrich": ("fritz",),
    "maximilian": ("max",), "guillermo": ("memo",), "manuel": ("manolo",),
    "ignacio": ("nacho",), "enrique": ("quique",), "georgios": ("giorgos", "george"),
    "konstantinos": ("kostas",), "dimitrios": ("dimitris",),
}


@dataclass(frozen=True, slots=True)
class NameParts:
    """A person's name reduced to what comparisons need."""

    given: str | None  # first given name token, folded
    middle: str | None  # second given name ("Jochen" of Hans-Jochen), when there is one
    initial_only: bool  # the given name is a lone initial
    last: str | None  # surname, folded, spaces and hyphens removed
    last_tokens: tuple[str, ...]  # significant surname tokens, for double-barrelled names
    suffix: str | None  # jr / sr / ii / iii / iv


@lru_cache(maxsize=262_144)
def fold(text: str) -> str:
    """Lowercase ASCII words: transliterated, diacritics and symbols dropped."""
    # Symbols go before anyascii, which would spell an emoji out as ":grinning:".
    kept = "".join(
        ch if unicodedata.category(ch)[0] in "LMN" or ch in " -.'" else " " for ch in text
    )
    if any("\u0370" <= ch <= "\u03ff" for ch in kept):
        # Greek ου is written "ou" in passports; anyascii gives "oy".
        kept = kept.replace("ου", "ou").replace("Ου", "Ou").replace("ΟΥ", "OU")
    ascii_text = anyascii(kept).lower().replace("'", "").replace("-", " ").replace(".", " ")
    return " ".join(_KEEP.sub(" ", ascii_text).split())


def _tokens(value: str | None) -> list[str]:
    if not value:
        return []
    folded = fold(value)
    if not folded or folded in _PLACEHOLDERS:
        return []
    return folded.split()


def parse_name(first: str | None, last: str | None) -> NameParts:
    """Split a record's name fields into given name, surname and generational suffix."""
    given_tokens = _tokens(first)
    last_tokens = _tokens(last)
    suffix = None
    # A suffix sits at the end of either field ("Smith Jr.", "John Jr"), never alone.
    for toks in (last_tokens, given_tokens):
        if len(toks) > 1 and toks[-1] in _SUFFIXES:
            suffix = _SUFFIXES[toks.pop()]
    if len(given_tokens) > 1 and given_tokens[0] in _TITLES:
        given_tokens.pop(0)
    elif not given_tokens and len(last_tokens) > 1 and last_tokens[0] in _TITLES:
        last_tokens.pop(0)
    if len(last_tokens) > 1 and last_tokens[0] in _TITLES:
        last_tokens.pop(0)
    given_tokens = [t for t in given_tokens if not t.isdigit()]
    last_tokens = [t for t in last_tokens if not t.isdigit()]
    given = given_tokens[0] if given_tokens else None
    if given in _TITLES and len(given_tokens) == 1:
        given = None
    surname = "".join(last_tokens) or None
    significant = tuple(t for t in last_tokens if t not in _PARTICLES and len(t) > 1)
    return NameParts(
        given=given,
        middle=given_tokens[1] if len(given_tokens) > 1 and len(given_tokens[1]) > 1 else None,
        initial_only=given is not None and len(given) == 1,
        last=surname,
        last_tokens=significant,
        suffix=suffix,
    )


@lru_cache(maxsize=262_144)
def phonetic(token: str) -> str:
    """Metaphone code; Müller/Mueller/Muller all give MLR once transliterated."""
    if not token:
        return ""
    return jellyfish.metaphone(token) or token


def phonetic_pair(given_phonetic: str, last_phonetic: str) -> str:
    """Given name and surname codes in sorted order, so "Smith John" and "John Smith" agree:
    what the 'n:' blocking key holds."""
    return "|".join(sorted((given_phonetic, last_phonetic)))


def name_phonetic_pair(first: str | None, last: str | None) -> str | None:
    """The phonetic_pair of raw name fields, as normalize() reads them; None unless both a
    given name (more than an initial) and a surname are there."""
    name = parse_name(first, last)
    if not name.given or name.initial_only or not name.last:
        return None
    return phonetic_pair(phonetic(name.given), phonetic(name.last))


@lru_cache(maxsize=1)
def _nickname_table() -> dict[str, frozenset[str]]:
    """name -> the canonical names it may stand for (itself included)."""
    from nicknames import NickNamer  # ships its CSV inside the wheel: works offline

    table: dict[str, set[str]] = {}
    for canonical, nicks in NickNamer().nickname_lookup.items():
        table.setdefault(canonical, {canonical})
        for nick in nicks:
            table.setdefault(nick, {nick}).add(canonical)
    for canonical, nicks in _EXTRA_NICKNAMES.items():
        table.setdefault(canonical, {canonical})
        for nick in nicks:
            table.setdefault(nick, {nick}).add(canonical)
    return {name: frozenset(groups) for name, groups in table.items()}


def nickname_groups(given: str | None) -> frozenset[str]:
    """The canonical names a given name may stand for; empty when the name is not listed."""
    if not given:
        return frozenset()
    return _nickname_table().get(given, frozenset())


def are_nicknames(a: str | None, b: str | None) -> bool:
    """Bill ~ William, Bill ~ Will (both William), but Christopher !~ Christine."""
    if not a or not b or a == b:
        return False
    return bool(nickname_groups(a) & nickname_groups(b))
