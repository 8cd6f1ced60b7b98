"""Safe XML intake and small element helpers shared by the OpenTravel-based connectors.

Every body that mentions a DOCTYPE or ENTITY (in any case) goes through defusedxml first (it
refuses DTDs, entity declarations and external references, which covers XXE and "billion
laughs"), then through a hardened lxml parser (no entity resolution, no DTD loading, no network)
that gives us XPath-free convenience and XSD validation. A body without either cannot hold what
defusedxml refuses, so the lxml parser alone reads it; what it refuses takes the full way, so
the reason given is the same. Elements are matched by local name so that senders that drop (or
change) the OTA namespace still parse.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from lxml import etree

from connectors.base import ConnectorError, InboundMessage
from connectors.card_data import mask_text, mask_tree

OTA_NS = "http://www.opentravel.org/OTA/2003/05"
# Bodies bigger than this are not reservation messages; the webhook's own limit is usually lower.
MAX_XML_BYTES = 5 * 1024 * 1024
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_UTF8_NAMES = {"utf-8", "utf8"}
_DURATION_NIGHTS = re.compile(r"^P(\d{1,3})N$")

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_comments=True,  # comments are not data, and XML comments may carry sample noise
    remove_pis=True,
)


def parse_xml(body: bytes) -> etree._Element:
    """Parse an untrusted body into an lxml root element, or raise ConnectorError saying why."""
    if not body or not body.strip():
        raise ConnectorError("empty body: an XML document was expected")
    if len(body) > MAX_XML_BYTES:
        raise ConnectorError(f"body too large ({len(body)} bytes)")
    declared = _DECLARED_ENCODING.match(body)
    if declared and declared.group(1).decode("ascii").lower() not in _UTF8_NAMES:
        raise ConnectorError(f"only UTF-8 is accepted, the document declares {declared.group(1)!r}")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConnectorError(f"body is not valid UTF-8 (byte {exc.start})") from None
    lowered = body.lower()
    if b"<!doctype" not in lowered and b"<!entity" not in lowered:
        # No DTD, so nothing defusedxml refuses but malformed XML: libxml2 alone decides
        # (a sixth of the cost). What it refuses goes the full way below, for the same words.
        try:
            return etree.fromstring(body, parser=_PARSER)
        except etree.XMLSyntaxError:
            pass
    return _parse_checked(body)


def _parse_checked(body: bytes) -> etree._Element:
    """defusedxml first (DTDs, entities, external references), then the hardened lxml parser."""
    try:
        safe_et.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DTDForbidden:
        raise ConnectorError("refused XML with a DOCTYPE/DTD: DTDs and entities are not "
                             "accepted (XXE and entity-expansion protection)") from None
    except EntitiesForbidden:
        raise ConnectorError("refused XML with an entity declaration (entity expansion)") from None
    except DefusedXmlException as exc:  # external references and anything defusedxml adds
        raise ConnectorError(f"refused unsafe XML: {type(exc).__name__}") from None
    except ParseError as exc:
        raise ConnectorError(f"malformed XML: {exc}") from None
    try:
        return etree.fromstring(body, parser=_PARSER)
    except etree.XMLSyntaxError as exc:  # defusedxml and libxml2 disagree only on edge cases
        raise ConnectorError(f"malformed XML: {exc}") from None


def masked(message: InboundMessage, unparsed_ok: bool = False) -> InboundMessage:
    """The message as it is checked at the door, stored and processed: parsed once, card data
    masked in the tree (connectors/card_data.py), and that tree's serialization as its body.

    A body that does not parse raises ConnectorError, unless `unparsed_ok` (an import or a
    message already stored keeps it, to fail with its reason when processed): then its text
    is masked as free text, every Luhn-valid digit run."""
    if message.masked:
        return message
    try:
        root = parse_xml(message.body)
    except ConnectorError:
        if not unparsed_ok:
            raise
        text = message.body.decode("utf-8", "surrogateescape")
        body = mask_text(text).encode("utf-8", "surrogateescape")
        return replace(message, body=body, xml=None, masked=True)
    mask_tree(root)
    body = etree.tostring(root, encoding="utf-8", xml_declaration=True)
    return replace(message, body=body, xml=(body, root), masked=True)


def message_root(message: InboundMessage) -> etree._Element:
    """parse_xml(message.body), parsed once: the root is kept on the message (not stored) for as
    long as its body is the very bytes object it was parsed from."""
    kept = message.xml
    if kept is not None and kept[0] is message.body:
        return kept[1]
    root = parse_xml(message.body)
    message.xml = (message.body, root)
    return root


def local_name(element: etree._Element) -> str:
    return etree.QName(element).localname


def find(element: etree._Element | None, *path: str) -> etree._Element | None:
    """The first element along a path of local names (namespace-agnostic), or None."""
    if element is None:
        return None
    return element.find(_any_namespace(path))


def findall(element: etree._Element | None, *path: str) -> list[etree._Element]:
    if element is None:
        return []
    return element.findall(_any_namespace(path))


@lru_cache(maxsize=512)
def _any_namespace(path: tuple[str, ...]) -> str:
    return "/".join("{*}" + step for step in path)


def attr(element: etree._Element | None, name: str) -> str | None:
    """An attribute value stripped of surrounding whitespace; empty counts as absent."""
    if element is None:
        return None
    value = element.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def text(element: etree._Element | None) -> str | None:
    """The element's text with each line trimmed and blank runs collapsed; None when empty."""
    if element is None:
        return None
    raw = "".join(element.itertext())
    lines = [line.strip() for line in raw.strip().splitlines()]
    cleaned: list[str] = []
    for line in lines:
        if line or (cleaned and cleaned[-1]):
            cleaned.append(line)
    result = "\n".join(cleaned).strip()
    return result or None


def parse_day(value: str | None) -> date | None:
    """A calendar date from an xs:date or xs:dateTime value; raises ValueError on garbage."""
    if not value:
        return None
    return date.fromisoformat(value.strip()[:10])


def parse_timestamp(value: str | None) -> str | None:
    """An ISO timestamp string (kept as text so the schema does the strict check), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None  # a broken version stamp must not cost the reservation
    return value


def nights_from_duration(value: str | None) -> int | None:
    """AlpineBits/OTA stay durations look like ``P4N`` (nights)."""
    match = _DURATION_NIGHTS.match((value or "").strip())
    return int(match.group(1)) if match else None


def add_nights(day: date, nights: int) -> date:
    return day + timedelta(days=nights)


def parse_amount(value: str | None, decimal_places: str | None = None) -> Decimal | None:
    """An OTA amount. Per the OTA CurrencyAmountGroup, an amount written without a decimal
    point and with DecimalPlaces="2" carries implied minor units (8500 -> 85.00)."""
    if not value:
        return None
    try:
        amount = Decimal(value.strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0:
        return None
    if "." not in value and decimal_places and decimal_places.strip().isdigit():
        amount = amount.scaleb(-int(decimal_places.strip()))
    return amount


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def ota_element(tag: str, attrib: dict[str, str] | None = None, **kw: str) -> etree._Element:
    """A new element in the OTA namespace (the default namespace of every answer we write)."""
    values = {k: v for k, v in {**(attrib or {}), **kw}.items() if v is not None}
    return etree.Element(f"{{{OTA_NS}}}{tag}", values, nsmap={None: OTA_NS})


def sub(parent: etree._Element, tag: str, attrib: dict[str, str] | None = None,
        text_value: str | None = None, **kw: str) -> etree._Element:
    values = {k: v for k, v in {**(attrib or {}), **kw}.items() if v is not None}
    child = etree.SubElement(parent, f"{{{OTA_NS}}}{tag}", values)
    if text_value is not None:
        child.text = text_value
    return child
