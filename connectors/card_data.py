"""Payment card data is masked in the parsed message, before anything reads or stores it.

Masking works on the structure, never on the raw bytes: a pattern over bytes cannot tell a
card number from a reservation id or a loyalty number (16-digit ids are normal, and about one
random number in ten passes the Luhn check), and a pattern spanning markup can change the
document's structure. So:

- elements and attributes that carry payment data by name (`CardNumber`, and secrets such as
  `SeriesCode`) are masked whatever they hold: card numbers keep their last four digits, secrets
  keep nothing;
- free text (element text, and the attributes named in FREE_TEXT_ATTRIBUTES) has every
  Luhn-valid run of 13-19 digits masked, after the parser decoded entities and joined CDATA,
  whatever separates the digit groups (spaces of any kind, dots, slashes, commas, underscores,
  dashes of any kind, new lines);
- every other attribute (ids, codes, loyalty numbers, hotel codes) is never touched, and no
  element or attribute is added or removed.

Every function here runs in time linear in its input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import numpy as np
from lxml import etree

# Elements or attributes holding a card number: the last four digits are kept.
CARD_NUMBER_NAMES = frozenset({"cardnumber"})
# ... and those holding a secret, masked completely (CVV, PIN, a POS password).
SECRET_NAMES = frozenset({"seriescode", "messagepassword", "pinnumber"})
# Attributes whose value is prose a person typed, where a card number may hide.
FREE_TEXT_ATTRIBUTES = frozenset({"text", "remark", "description", "comment", "comments",
                                  "specialrequest", "message", "note", "notes"})
PAN_MIN, PAN_MAX = 13, 19
KEEP = 4
MASK = "X"

# A run of digit groups with at most three separator characters between two groups. Each
# repetition starts with a separator, so a run can be matched only one way: linear time.
# A run right after "+" is a phone number in international form and is left alone.
# Separators: any space, . / \ - , _ and the Unicode dashes, up to four characters at a time.
_RUN = re.compile(r"(?<![0-9+])[0-9]+(?:[\s./\\,_\u2010-\u2015\u2212-]{1,4}[0-9]+)*")
_DIGITS = re.compile(r"[0-9]+")
# Runs of up to this many digit groups are searched one window at a time; longer ones (a
# hostile wall of digits) all at once with arrays, where numpy's fixed cost pays off.
_FEW_GROUPS = 8


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


def mask_text(text: str) -> str:
    """Free text with each Luhn-valid card number masked (its last four digits kept)."""
    if not text or len(text) < PAN_MIN:
        return text
    pieces: list[str] = []
    end = 0
    for run in _RUN.finditer(text):
        masked = _mask_run(run.group(0))
        if masked is not None:
            pieces += [text[end:run.start()], masked]
            end = run.end()
    if not pieces:
        return text
    pieces.append(text[end:])
    return "".join(pieces)


def contains_card_number(text: str) -> bool:
    """True when free text holds a Luhn-valid run of 13-19 digits (see mask_text)."""
    return any(_card_windows(run.group(0)) for run in _RUN.finditer(text))


def keep_last_digits(value: str, keep: int = KEEP) -> str:
    """Every character but the last `keep` digits masked (spaces and - . / kept)."""
    return _keep_last([value], keep)[0]


def _keep_last(texts: list[str], keep: int = KEEP) -> list[str]:
    """keep_last_digits over several texts read as one: the last digits of them all."""
    total = sum(char.isdigit() for text in texts for char in text)
    seen, out = 0, []
    for text in texts:
        chars = []
        for char in text:
            if char.isdigit():
                seen += 1
                chars.append(char if seen > total - keep else MASK)
            else:
                chars.append(char if char.isspace() or char in "-./" else MASK)
        out.append("".join(chars))
    return out


def mask_all(value: str) -> str:
    return "".join(char if char.isspace() else MASK for char in value)


def mask_tree(root: etree._Element) -> bool:
    """Mask the parsed document in place; True when anything changed."""
    changed = False
    inside: set[etree._Element] = set()  # descendants of a payment element: done with it
    for element in root.iter():
        if not isinstance(element.tag, str) or element in inside:
            continue  # comments and processing instructions are dropped by our parser anyway
        name = _local(element.tag)
        if name in CARD_NUMBER_NAMES or name in SECRET_NAMES:
            changed |= _mask_payment_element(element, name in CARD_NUMBER_NAMES)
            inside.update(element.iterdescendants())
            changed |= _mask_tail(element)
            continue
        for key, value in element.attrib.items():
            masked = _mask_attribute(_local(key), value)
            if masked != value:
                element.set(key, masked)
                changed = True
        if element.text:
            masked = mask_text(element.text)
            if masked != element.text:
                element.text, changed = masked, True
        changed |= _mask_tail(element)
    return changed


def _mask_run(run: str) -> str | None:
    windows = _card_windows(run)
    if not windows:
        return None
    groups = list(_DIGITS.finditer(run))
    out = list(run)
    for first, last in windows:
        digits = [(m.start() + i) for m in groups[first:last + 1] for i in range(len(m.group()))]
        for position in digits[:-KEEP]:
            out[position] = MASK
    return "".join(out)


def _card_windows(run: str) -> list[tuple[int, int]]:
    """Group-aligned windows (first, last group) of a run that hold a Luhn-valid card number:
    the longest from each start, not overlapping. Every (start, end) pair of groups within
    PAN_MAX digits is checked at once with prefix sums, so a run of a million one-digit
    groups costs a few array operations, not millions of Luhn checks."""
    groups = _DIGITS.findall(run)
    if sum(len(g) for g in groups) < PAN_MIN:
        return []
    if len(groups) <= _FEW_GROUPS:  # a card as people write it: one Luhn check per window
        return _windows_one_by_one(groups)
    lengths = np.fromiter((len(g) for g in groups), dtype=np.int64, count=len(groups))
    digits = np.frombuffer("".join(groups).encode("ascii"), dtype=np.uint8).astype(np.int64) - 48
    doubled = np.where(digits > 4, digits * 2 - 9, digits * 2)
    odd = (np.arange(len(digits)) % 2).astype(bool)
    # prefix sums, by position parity, of the digits as they are and doubled
    plain = [np.concatenate(([0], np.cumsum(np.where(odd == bool(par), digits, 0))))
             for par in (0, 1)]
    twice = [np.concatenate(([0], np.cumsum(np.where(odd == bool(par), doubled, 0))))
             for par in (0, 1)]
    ends = np.cumsum(lengths)
    starts = ends - lengths
    best = np.full(len(groups), -1, dtype=np.int64)
    for extra in range(PAN_MAX):  # windows of 1 to PAN_MAX groups
        first = np.arange(len(groups) - extra)
        last = first + extra
        begin, end = starts[first], ends[last]
        size = end - begin
        wanted = (size >= PAN_MIN) & (size <= PAN_MAX)
        if not wanted.any():
            if (size > PAN_MAX).all():
                break
            continue
        # Luhn doubles every second digit counted from the right: those whose parity differs
        # from the last digit's.
        par = (end - 1) % 2
        as_is = np.where(par == 0, plain[0][end] - plain[0][begin],
                         plain[1][end] - plain[1][begin])
        doubled_sum = np.where(par == 0, twice[1][end] - twice[1][begin],
                               twice[0][end] - twice[0][begin])
        total = as_is + doubled_sum
        valid = wanted & (total % 10 == 0)
        best[first[valid]] = last[valid]
    windows, index = [], 0
    hits = np.flatnonzero(best >= 0)
    for start in hits.tolist():
        if start < index:
            continue
        windows.append((start, int(best[start])))
        index = int(best[start]) + 1
    return windows


def _windows_one_by_one(groups: list[str]) -> list[tuple[int, int]]:
    windows, first = [], 0
    while first < len(groups):
        best, digits = None, ""
        for last in range(first, len(groups)):
            digits += groups[last]
            if len(digits) > PAN_MAX:
                break
            if len(digits) >= PAN_MIN and luhn_valid(digits):
                best = last
        if best is None:
            first += 1
        else:
            windows.append((first, best))
            first = best + 1
    return windows


def _mask_payment_element(element: etree._Element, is_card: bool) -> bool:
    """A card number across all the element's text at once (its last four are those of the
    whole content, CDATA splits and child elements included); a secret entirely."""
    changed = False
    nodes = list(_text_slots(element))
    texts = [text for _, _, text in nodes]
    masked_parts = _keep_last(texts) if is_card else [mask_all(text) for text in texts]
    for (node, slot, text), masked in zip(nodes, masked_parts, strict=True):
        if masked != text:
            setattr(node, slot, masked)
            changed = True
    for node in element.iter():
        if not isinstance(node.tag, str):
            continue
        for key, value in node.attrib.items():
            masked = keep_last_digits(value) if is_card else mask_all(value)
            if masked != value:
                node.set(key, masked)
                changed = True
    return changed


def _text_slots(element: etree._Element) -> Iterator[tuple[etree._Element, str, str]]:
    """(node, "text" or "tail", value) for every text inside the element, in document order."""
    for node in element.iter():
        if node.text and isinstance(node.tag, str):
            yield node, "text", node.text
        if node is not element and node.tail:
            yield node, "tail", node.tail


def _mask_tail(element: etree._Element) -> bool:
    if not element.tail:
        return False
    masked = mask_text(element.tail)
    if masked == element.tail:
        return False
    element.tail = masked
    return True


def _mask_attribute(name: str, value: str) -> str:
    if name in CARD_NUMBER_NAMES:
        return keep_last_digits(value)
    if name in SECRET_NAMES:
        return mask_all(value)
    if name in FREE_TEXT_ATTRIBUTES:
        return mask_text(value)
    return value


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()
