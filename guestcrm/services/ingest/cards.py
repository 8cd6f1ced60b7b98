"""Payment card data is masked before anything is stored, the raw inbound body included.

Masking works on the raw bytes with patterns, not on a parsed tree: it must also work on a
body that does not parse, and re-serialising a parsed document would change bytes we are
asked to keep. Every masked character becomes ``X`` (one for one in XML, so offsets and
well-formedness are untouched); card numbers keep their last four digits, CVVs, PINs and
passwords keep nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# XML attributes (OTA PaymentCard, POS RequestorID, UserID) and elements (OTA 2015A
# PaymentCard children, AlpineBits CardNumber/PlainText) holding a card number: last 4 kept.
CARD_NUMBER_NAMES = ("CardNumber",)
# ... and those holding a secret that is masked completely.
SECRET_NAMES = ("SeriesCode", "MessagePassword", "PinNumber")
# JSON keys (compared lower-case without "_" and "-") for later JSON connectors.
JSON_CARD_KEYS = {"cardnumber", "pan", "primaryaccountnumber", "cardno", "creditcardnumber"}
JSON_SECRET_KEYS = {"cvv", "cvv2", "cvc", "cvc2", "cid", "securitycode", "cardsecuritycode",
                    "cardverificationvalue", "cardverificationcode", "pin", "pinnumber"}
PAN_MIN, PAN_MAX = 13, 19
KEEP = 4

_NAMES = b"|".join(n.encode() for n in CARD_NUMBER_NAMES + SECRET_NAMES)
_ATTRIBUTE = re.compile(
    rb"(?<![\w.:-])(?:[\w.-]+:)?(?P<name>" + _NAMES + rb")\s*=\s*(?P<q>[\"'])(?P<value>.*?)(?P=q)",
    re.IGNORECASE | re.DOTALL,
)
_ELEMENT = re.compile(
    rb"<(?P<tag>(?:[\w.-]+:)?(?P<name>" + _NAMES + rb"))(?=[\s>])[^>]*(?<!/)>(?P<body>.*?)"
    rb"</(?P=tag)\s*>",
    re.IGNORECASE | re.DOTALL,
)
# Inside such an element: markup stays, text, CDATA content and comments are masked.
_MARKUP = re.compile(rb"(<!\[CDATA\[|\]\]>|<!--|-->|<[^>]*>)")
_JSON_MEMBER = re.compile(
    rb'"(?P<key>[A-Za-z0-9_-]{2,40})"\s*:\s*(?P<value>"(?:[^"\\]|\\.)*"|-?[0-9]+)'
)
# A digit run with single spaces or dashes between groups, "+" kept to spot phone numbers.
_RUN = re.compile(rb"(?<![0-9])\+?[0-9]+(?:[ -][0-9]+)*")
_DIGIT = re.compile(rb"[0-9]")
_MAX_PASSES = 5
# Quick pre-checks, each a necessary condition of one pass changing anything: a named
# attribute/element (any case), a JSON member (`"key":`), a run holding at least PAN_MIN
# digits from its first one that is no "+" phone number (see _card_windows).
_LOWER_NAMES = tuple(n.lower().encode() for n in CARD_NUMBER_NAMES + SECRET_NAMES)
_JSON_HINT = re.compile(rb'"\s*:')
_LONG_RUN_HINT = re.compile(
    rb"[0-9](?<![0-9]{2})(?<![^0-9]\+[0-9])(?<!^\+[0-9])(?:[ -]?[0-9]){%d}" % (PAN_MIN - 1)
)


def mask_card_data(body: bytes) -> bytes:
    """The body with card numbers (last 4 digits kept), CVVs, PINs and passwords masked."""
    if not body:
        return body
    masked = body
    # Each pass runs only when its hint is in its input: skipping it then changes nothing.
    lowered = masked.lower()  # ASCII only, like the IGNORECASE of the patterns on bytes
    if any(name in lowered for name in _LOWER_NAMES):
        masked = _ATTRIBUTE.sub(_mask_attribute, masked)
        masked = _ELEMENT.sub(_mask_element, masked)
    if _JSON_HINT.search(masked):
        masked = _JSON_MEMBER.sub(_mask_json_member, masked)
    if not _LONG_RUN_HINT.search(masked):
        return masked
    for _ in range(_MAX_PASSES):  # masking can expose a new run next to the kept digits
        again = _RUN.sub(_mask_run, masked)
        if again == masked:
            break
        masked = again
    return masked


def contains_card_number(text: str) -> bool:
    """True when the text holds a Luhn-valid run of 13-19 digits (see mask_card_data)."""
    data = text.encode("utf-8", "replace")
    return any(_card_windows(m.group(0)) for m in _RUN.finditer(data))


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _keep_last_digits(data: bytes, keep: int = KEEP) -> bytes:
    total = len(_DIGIT.findall(data))
    seen = 0

    def replace(match: re.Match[bytes]) -> bytes:
        nonlocal seen
        seen += 1
        return match.group(0) if seen > total - keep else b"X"

    return _DIGIT.sub(replace, data)


def _mask_all(data: bytes) -> bytes:
    return re.sub(rb"[^\s]", b"X", data)


def _masker(name: bytes) -> Callable[[bytes], bytes]:
    is_card = name.lower() in (n.lower().encode() for n in CARD_NUMBER_NAMES)
    return _keep_last_digits if is_card else _mask_all


def _mask_attribute(match: re.Match[bytes]) -> bytes:
    start, end = match.span("value")
    offset = match.start()
    whole = match.group(0)
    value = _masker(match.group("name"))(match.group("value"))
    return whole[: start - offset] + value + whole[end - offset:]


def _mask_element(match: re.Match[bytes]) -> bytes:
    pieces = _MARKUP.split(match.group("body"))
    # Even indexes are text (or CDATA/comment content), odd ones markup. A card number is
    # masked across all its text at once, so "the last four" are those of the whole content.
    texts = pieces[0::2]
    if _masker(match.group("name")) is _keep_last_digits:
        texts = _keep_last_digits(b"\x00".join(texts)).split(b"\x00")
    else:
        texts = [_mask_all(piece) for piece in texts]
    pieces[0::2] = texts
    whole = match.group(0)
    start, end = match.span("body")
    offset = match.start()
    return whole[: start - offset] + b"".join(pieces) + whole[end - offset:]


def _mask_json_member(match: re.Match[bytes]) -> bytes:
    key = re.sub(rb"[_-]", b"", match.group("key")).lower().decode("ascii")
    if key not in JSON_CARD_KEYS and key not in JSON_SECRET_KEYS:
        return match.group(0)
    value = match.group("value")
    inner = value[1:-1] if value.startswith(b'"') else value
    inner = _keep_last_digits(inner) if key in JSON_CARD_KEYS else _mask_all(inner)
    head = match.group(0)[: match.start("value") - match.start()]
    return head + b'"' + inner + b'"'


def _mask_run(match: re.Match[bytes]) -> bytes:
    run = match.group(0)
    windows = _card_windows(run)
    if not windows:
        return run
    groups = re.split(rb"([ -])", run)  # digits at even indexes, separators at odd ones
    for first, last in windows:
        window = b"".join(groups[2 * first: 2 * last + 1])
        masked = _keep_last_digits(window)
        groups[2 * first: 2 * last + 1] = re.split(rb"([ -])", masked)
    return b"".join(groups)


def _card_windows(run: bytes) -> list[tuple[int, int]]:
    """Group-aligned windows (first, last group) of a run that hold a Luhn-valid card number.
    A run that starts with "+" is a phone number in E.164 form and is left alone."""
    if run.startswith(b"+"):
        return []
    groups = re.split(rb"[ -]", run)
    windows, first = [], 0
    while first < len(groups):
        best = None
        digits = b""
        for last in range(first, len(groups)):
            digits += groups[last]
            if len(digits) > PAN_MAX:
                break
            if len(digits) >= PAN_MIN and luhn_valid(digits.decode("ascii")):
                best = last
        if best is None:
            first += 1
        else:
            windows.append((first, best))
            first = best + 1
    return windows
