"""AlpineBits HotelData GuestRequests (2020-10, 2022-10, 2024-10): push receiver and pull parser.

Transport: HTTP Basic, a form (multipart or url-encoded) with `action` and `request` (the XML),
header X-AlpineBits-ClientProtocolVersion. `OTA_HotelResNotif:GuestRequests` pushes are stored
and parsed later; `OTA_Ping:Handshaking` is answered at once and stores nothing worth parsing.
Refusals before storing are HTTP 400 with a text/plain body starting `ERROR:`, as the standard
asks. The puller (hotel side of `OTA_Read:GuestRequests`) uses `build_read_request`,
`parse_retrieve_response` and `build_notif_report`.
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from connectors.alpinebits_messages import (
    ACTION_PING,
    ACTION_PUSH,
    ACTION_READ,
    DEFAULT_VERSION,
    SERVER_WARNING_KEY,
    SUPPORTED_VERSIONS,
    build_notif_report,
    build_read_request,
    handshake_response,
    notif_response,
    samples_dir,
    validate_against_xsd,
    validation_on,
    xsd_path,
)
from connectors.base import DEFAULT_HOTEL_HEADER, ConnectorError, InboundMessage, ParseResult
from connectors.form_body import read_form
from connectors.ota_reservation import Outcome, ReservationContext, read_reservations
from connectors.ota_xml import (
    attr,
    find,
    findall,
    local_name,
    masked,
    message_root,
    parse_xml,
    text,
)

__all__ = [
    "AlpineBitsConnector", "build_notif_report", "build_read_request", "handshake_response",
    "parse_retrieve_response", "samples_dir", "validate_against_xsd", "xsd_path", "acks_for",
]

# action -> the root element its `request` must have
ACTIONS = {ACTION_PUSH: "OTA_HotelResNotifRQ", ACTION_PING: "OTA_PingRQ"}
VERSION_HEADER = "X-AlpineBits-ClientProtocolVersion"
CLIENT_ID_HEADER = "X-AlpineBits-ClientID"
# Set by our own puller on the OTA_ResRetrieveRS it stores: the hotel it polled, which
# cancellations (no BasicPropertyInfo of their own) belong to. extract() never copies it.
# AlpineBits ids live in UniqueID (14 reservation/request, 15 cancellation); its
# HotelReservationIDs carry source/campaign labels, never the reservation id.
UNIQUE_ID_TYPES = ("14", "15")


class AlpineBitsConnector:
    name = "alpinebits"
    auth = "basic"

    def __init__(self, validate: bool | None = None) -> None:
        self.validate = validation_on() if validate is None else validate

    def extract(self, body: bytes, content_type: str, form: Mapping[str, str]) -> InboundMessage:
        """The `request` XML of the form, checked: known action, safe XML, matching root."""
        fields: dict[str, str | bytes] = dict(form or {})
        if "request" not in fields:  # the webhook, replays and imports pass the raw body
            fields = {**read_form(body, content_type), **fields}
        action = fields.get("action") or ""
        action = (action.decode("utf-8", "replace") if isinstance(action, bytes)
                  else str(action)).strip()
        request = fields.get("request")
        if not action:
            raise ConnectorError("missing form field 'action'")
        if action not in ACTIONS:
            raise ConnectorError(f"unknown or unsupported action {action!r}")
        if request is None or not str(request).strip():
            raise ConnectorError("missing form field 'request'")
        xml = request if isinstance(request, bytes) else str(request).encode("utf-8")
        message = masked(InboundMessage(body=xml, content_type="application/xml", action=action))
        root = message.xml[1]
        if local_name(root) != ACTIONS[action]:
            raise ConnectorError(f"action {action} needs {ACTIONS[action]}, got {local_name(root)}")
        return message

    def from_file(self, body: bytes) -> InboundMessage:
        """A saved push (OTA_HotelResNotifRQ) or pull answer (OTA_ResRetrieveRS). One that
        does not parse is stored anyway: processing marks it failed with the reason."""
        message = masked(InboundMessage(body=body, content_type="application/xml",
                                        action=ACTION_PUSH), unparsed_ok=True)
        if message.xml is not None and local_name(message.xml[1]) == "OTA_ResRetrieveRS":
            message.action = ACTION_READ
        return message

    def mask(self, message: InboundMessage) -> InboundMessage:
        return masked(message, unparsed_ok=True)

    def direct_answer(self, message: InboundMessage) -> tuple[bytes, str, int] | None:
        """The handshake is answered at once and stores nothing; other actions return None."""
        if message.action != ACTION_PING:
            return None
        return handshake_response(message.body), "application/xml", 200

    def parse(self, message: InboundMessage) -> ParseResult:
        """Reservations of a push (or of a stored pull answer). The message is validated against
        the XSD of the client's protocol version (header; default 2024-10) when it is installed.
        A message of which no reservation can be used is an error, so it is refused at the door."""
        if message.action == ACTION_PING:
            return ParseResult(reservations=[])
        version = _header(message.headers, VERSION_HEADER) or DEFAULT_VERSION
        if version not in SUPPORTED_VERSIONS:
            raise ConnectorError(f"unsupported AlpineBits version {version!r} "
                                 f"(supported: {', '.join(SUPPORTED_VERSIONS)})")
        root = message_root(message)
        if self.validate:
            errors = validate_against_xsd(message.body, version, document=root)
            if errors:
                raise ConnectorError(f"request is not valid AlpineBits {version}: {errors[0]}")
        hotel = _header(message.headers, DEFAULT_HOTEL_HEADER)
        outcome = _read_root(root, hotel_code=hotel)
        if outcome.refused and not outcome.reservations:
            raise ConnectorError("no reservation could be used: " + "; ".join(
                f"{key}: {reason}" for key, reason in outcome.refused))
        return ParseResult(reservations=outcome.reservations, warnings=outcome.warnings,
                           accepted=outcome.accepted, refused=outcome.refused,
                           answer_facts={"root": local_name(root),
                                         "Version": attr(root, "Version")})

    def dedupe_key(self, message: InboundMessage) -> str | None:
        return None  # AlpineBits messages carry no message id: the body hash dedupes

    def accepted_response(self, message: InboundMessage) -> tuple[bytes, str]:
        if message.action == ACTION_PING:
            return handshake_response(message.body), "application/xml"
        parsed = message.parsed
        if parsed is not None and "root" in parsed.answer_facts:  # the door parse: reused
            version = parsed.answer_facts.get("Version") or "1.000"
            return notif_response(parsed.accepted, dict(parsed.refused), version), "application/xml"
        try:
            root = message_root(message)
            outcome = _read_root(root, hotel_code=_header(message.headers, DEFAULT_HOTEL_HEADER))
        except ConnectorError as exc:
            return notif_response([], {"request": str(exc)}), "application/xml"
        version = attr(root, "Version") or "1.000"
        refused = dict(outcome.refused)
        return notif_response(outcome.accepted, refused, version), "application/xml"

    def error_response(self, reason: str) -> tuple[bytes, str, int]:
        reason = reason if reason.startswith("ERROR:") else "ERROR:" + reason
        return reason.encode("utf-8"), "text/plain; charset=utf-8", 400


def parse_retrieve_response(xml_bytes: bytes, hotel_code: str | None = None,
                            hotel_name: str | None = None) -> ParseResult:
    """Reservations in an OTA_ResRetrieveRS (the answer to our OTA_Read). `hotel_code` is the
    hotel that was polled: cancellations usually name no hotel of their own."""
    root = parse_xml(xml_bytes)
    if local_name(root) != "OTA_ResRetrieveRS":
        raise ConnectorError(f"expected OTA_ResRetrieveRS, got {local_name(root)}")
    outcome = _read_root(root, hotel_code, hotel_name)
    return ParseResult(reservations=outcome.reservations, warnings=outcome.warnings)


def acks_for(result: ParseResult) -> list[tuple[str, str]]:
    """(id, UniqueID Type) to acknowledge for what a parse produced: rooms fold into their
    reservation, cancellations are acknowledged as Type 15."""
    acks: dict[str, str] = {}
    for reservation in result.reservations:
        res_id = reservation.external_id.split("#", 1)[0]
        acks[res_id] = "15" if reservation.status == "cancelled" else "14"
    return list(acks.items())


def _read_root(root: etree._Element, hotel_code: str | None = None,
               hotel_name: str | None = None) -> Outcome:
    name = local_name(root)
    if name == "OTA_HotelResNotifRQ":
        reservations = findall(root, "HotelReservations", "HotelReservation")
    elif name == "OTA_ResRetrieveRS":
        errors = findall(root, "Errors", "Error")
        if errors:
            details = "; ".join(
                f"Type {attr(e, 'Type')} Code {attr(e, 'Code')}: {text(e) or ''}".strip()
                for e in errors)
            raise ConnectorError(f"the AlpineBits server answered with errors: {details}")
        reservations = findall(root, "ReservationsList", "HotelReservation")
    else:
        raise ConnectorError(
            f"wrong root element {name}: AlpineBits GuestRequests come as OTA_HotelResNotifRQ "
            "(push) or OTA_ResRetrieveRS (pull)")
    if name == "OTA_ResRetrieveRS" and find(root, "Success") is None:
        raise ConnectorError("OTA_ResRetrieveRS holds neither Success nor Errors")
    context = ReservationContext(
        source="alpinebits", unique_id_types=UNIQUE_ID_TYPES, reservation_id_types=(),
        timestamp=attr(root, "TimeStamp"), property_code=hotel_code, property_name=hotel_name,
    )
    outcome = read_reservations(reservations, context)
    for index, warning in enumerate(findall(root, "Warnings", "Warning"), start=1):
        outcome.warnings[f"{SERVER_WARNING_KEY}{index}"] = (
            text(warning) or attr(warning, "Type") or "")
    return outcome


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    value = headers.get(name)
    if value is None:  # a plain dict is case-sensitive; HTTP header names are not
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value.strip() if value else None

