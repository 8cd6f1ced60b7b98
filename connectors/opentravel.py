"""OpenTravel reservation push, as channel managers and CRSs deliver it.

A raw application/xml (or text/xml) POST, HTTP Basic auth. Understood roots:
OTA_HotelResNotifRQ and OTA_HotelResModifyNotifRQ (the push messages), OTA_CancelRQ,
OTA_HotelStayInfoNotifRQ (post-stay revenue), and, because some systems deliver bookings with
them and backfills export them, OTA_HotelResRQ / OTA_HotelResModifyRQ / OTA_ResRetrieveRS.
GuestCRM never books anything: every one of them only reports a booking made elsewhere.
Several reservations per message are read independently; a refused one is a warning.
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree
from marshmallow import ValidationError

from connectors.base import ConnectorError, InboundMessage, ParseResult
from connectors.opentravel_messages import answer, error_answer
from connectors.ota_reservation import Outcome, ReservationContext, read_reservations
from connectors.ota_xml import (
    attr,
    find,
    findall,
    local_name,
    masked,
    message_root,
    parse_amount,
    parse_timestamp,
    text,
)
from guestcrm.schemas.reservation import load_reservation

# Root -> (path to its HotelReservation elements, status implied when the message states none).
RESERVATION_ROOTS = {
    "OTA_HotelResNotifRQ": (("HotelReservations", "HotelReservation"), "Commit"),
    "OTA_HotelResModifyNotifRQ": (("HotelResModifies", "HotelResModify"), "Modify"),
    "OTA_HotelResRQ": (("HotelReservations", "HotelReservation"), "Book"),
    "OTA_HotelResModifyRQ": (("HotelResModifies", "HotelResModify"), "Modify"),
    "OTA_ResRetrieveRS": (("ReservationsList", "HotelReservation"), "Reserved"),
}
SUPPORTED_ROOTS = (*RESERVATION_ROOTS, "OTA_CancelRQ", "OTA_HotelStayInfoNotifRQ")
MODIFY_ROOTS = {"OTA_HotelResModifyNotifRQ", "OTA_HotelResModifyRQ"}
XML_CONTENT_TYPES = {"application/xml", "text/xml", ""}  # some senders send no content type
HOTEL_REQUESTOR_TYPE = "10"  # POS RequestorID Type (UIT) 10 = the hotel itself
GDS_BOOKING_CHANNEL = "1"  # POS BookingChannel Type (BCT) 1 = GDS
ECHOED = ("EchoToken", "Version", "Target")


class OpenTravelConnector:
    name = "opentravel"
    auth = "basic"

    def extract(self, body: bytes, content_type: str, form: Mapping[str, str]) -> InboundMessage:
        kind = (content_type or "").split(";", 1)[0].strip().lower()
        if kind not in XML_CONTENT_TYPES and not kind.endswith("+xml"):
            raise ConnectorError(f"content type {kind!r} is not XML: post the OTA document "
                                 "itself as application/xml")
        message = masked(InboundMessage(body=body,
                                        content_type=content_type or "application/xml"))
        root = message.xml[1]
        if local_name(root) not in SUPPORTED_ROOTS:
            raise ConnectorError(_wrong_root(local_name(root)))
        return message

    def from_file(self, body: bytes) -> InboundMessage:
        """A saved OTA document; it is checked when it is processed, like any stored message."""
        return masked(InboundMessage(body=body, content_type="application/xml"),
                      unparsed_ok=True)

    def mask(self, message: InboundMessage) -> InboundMessage:
        return masked(message, unparsed_ok=True)

    def parse(self, message: InboundMessage) -> ParseResult:
        root = message_root(message)
        outcome = read_message(root)
        if outcome.refused and not outcome.reservations:
            # Nothing in it can be ingested: refused at the door, a failed event if stored.
            raise ConnectorError("no reservation could be used: " + "; ".join(
                f"{key}: {reason}" for key, reason in outcome.refused))
        facts = {"root": local_name(root), **{key: attr(root, key) for key in ECHOED}}
        return ParseResult(reservations=outcome.reservations, echo_token=attr(root, "EchoToken"),
                           warnings=outcome.warnings, accepted=outcome.accepted,
                           refused=outcome.refused, answer_facts=facts)

    def dedupe_key(self, message: InboundMessage) -> str | None:
        # EchoToken is no message id: the OTA samples reuse "354" for different messages.
        return None

    def accepted_response(self, message: InboundMessage) -> tuple[bytes, str]:
        parsed = message.parsed
        if parsed is not None and "root" in parsed.answer_facts:  # the door parse: reused
            facts = parsed.answer_facts
            echo = {key: facts.get(key) for key in ECHOED}
            body = answer(facts["root"], echo, parsed.accepted, parsed.warnings)
            return body, "application/xml"
        try:
            root = message_root(message)
        except ConnectorError as exc:
            return error_answer(str(exc)), "application/xml"
        echo = {key: attr(root, key) for key in ECHOED}
        try:
            outcome = read_message(root)
        except ConnectorError as exc:
            return answer(local_name(root), echo, [], {"request": str(exc)}), "application/xml"
        return answer(local_name(root), echo, outcome.accepted, outcome.warnings), "application/xml"

    def error_response(self, reason: str) -> tuple[bytes, str, int]:
        return error_answer(reason), "application/xml", 400


def read_message(root: etree._Element) -> Outcome:
    """Every reservation a supported OTA document reports (ConnectorError for other roots)."""
    name = local_name(root)
    if name == "OTA_CancelRQ":
        return _read_cancel(root)
    if name == "OTA_HotelStayInfoNotifRQ":
        return _read_stay_infos(root)
    if name not in RESERVATION_ROOTS:
        raise ConnectorError(_wrong_root(name))
    errors = findall(root, "Errors", "Error")
    if errors:
        details = "; ".join(
            text(e) or attr(e, "ShortText") or attr(e, "Code") or "?" for e in errors)
        raise ConnectorError(f"{name} reports errors, not reservations: {details}")
    path, implied_status = RESERVATION_ROOTS[name]
    context = _context(root, implied_status)
    context.version_from_message = name in MODIFY_ROOTS
    return read_reservations(findall(root, *path), context)


def _context(root: etree._Element, implied_status: str) -> ReservationContext:
    """Defaults from the message: root ResStatus, TimeStamp and the POS (who sent it)."""
    root_status = attr(root, "ResStatus")
    context = ReservationContext(source="opentravel", default_status=root_status or implied_status,
                                 timestamp=attr(root, "TimeStamp"))
    if (root_status or "").lower() == "cancel":  # the transaction itself is a cancellation
        context.overrides["status"] = "cancelled"
    for source in findall(root, "POS", "Source"):
        channel = find(source, "BookingChannel")
        if attr(channel, "Type") == GDS_BOOKING_CHANNEL:
            context.channel_kind = "gds"
        if text(find(channel, "CompanyName")):
            context.channel_hints.append(text(find(channel, "CompanyName")))
        requestor = find(source, "RequestorID")
        company = find(requestor, "CompanyName")
        company_name = attr(company, "CompanyShortName") or text(company)
        if attr(requestor, "Type") == HOTEL_REQUESTOR_TYPE and attr(requestor, "ID"):
            # The hotel itself sends: its id names the property when a reservation does not.
            context.property_code, context.property_name = attr(requestor, "ID"), company_name
            continue
        context.channel_hints.extend(n for n in (company_name, attr(requestor, "ID"))
                                     if n and any(c.isalpha() for c in n))
    return context


def _read_cancel(root: etree._Element) -> Outcome:
    """OTA_CancelRQ: the UniqueID names the reservation; the hotel comes from a
    BasicPropertyInfo/HotelRef under Verification (SynXis puts it in TPA_Extensions).
    CancelType Initiate/Commit/Cancel (or none) cancel at once; Ignore withdraws the request."""
    ids = [u for u in findall(root, "UniqueID") if attr(u, "ID")]
    chosen = next((u for u in ids if attr(u, "Type") == "14"), ids[0] if ids else None)
    res_id = attr(chosen, "ID")
    verification = find(root, "Verification")
    scope = verification.iter() if verification is not None else ()
    hotel = next((e for e in scope if attr(e, "HotelCode")), None)
    property_code = attr(hotel, "HotelCode") or _context(root, "Cancel").property_code
    outcome, problem = Outcome(), None
    if (attr(root, "CancelType") or "").lower() == "ignore":
        problem = "CancelType Ignore withdraws the cancellation request"
    elif not res_id:
        problem = "missing reservation id (UniqueID)"
    elif not property_code:
        problem = "missing hotel code (Verification BasicPropertyInfo/@HotelCode)"
    else:
        try:
            outcome.reservations.append(load_reservation({
                "source": "opentravel", "external_id": res_id, "status": "cancelled",
                "property_code": property_code,
                "modified_at": parse_timestamp(attr(root, "TimeStamp")),
            }))
            outcome.accepted.append((res_id, attr(chosen, "Type") or "14"))
        except ValidationError as exc:
            problem = f"invalid cancellation: {exc.messages}"
    if problem:
        outcome.warnings[res_id or "OTA_CancelRQ"] = problem
        outcome.refused.append((res_id or "OTA_CancelRQ", problem))
    return outcome


def _read_stay_infos(root: etree._Element) -> Outcome:
    """OTA_HotelStayInfoNotifRQ: post-stay facts. The stay is over (checked out), its revenue
    is what the guest spent, and the message time is its version (newer than the booking)."""
    outcome = Outcome()
    for stay_infos in findall(root, "StayInfos"):
        for stay_info in findall(stay_infos, "StayInfo"):
            ids = [r for r in findall(stay_info, "ReservationID") if attr(r, "ID")]
            chosen = next((r for r in ids if attr(r, "Type") == "14"), ids[0] if ids else None)
            context = ReservationContext(
                source="opentravel", default_status="Checked-Out",
                timestamp=attr(root, "TimeStamp"),
                property_code=attr(stay_infos, "HotelCode"),
                property_name=attr(stay_infos, "HotelName"),
                reservation_id=attr(chosen, "ID"), version_from_message=True,
                overrides=_revenue(stay_info),
            )
            part = read_reservations(findall(stay_info, "HotelReservation"), context)
            outcome.reservations.extend(part.reservations)
            outcome.warnings.update(part.warnings)
            outcome.accepted.extend(part.accepted)
            outcome.refused.extend(part.refused)
    return outcome


def _revenue(stay_info: etree._Element) -> dict:
    """The stay's total spend: the largest SummaryAmount (the grand total), else the details."""
    totals, details, currency = [], [], None
    for category in findall(stay_info, "RevenueCategories", "RevenueCategory"):
        for summary in findall(category, "SummaryAmount"):
            totals.append(parse_amount(attr(summary, "Amount"), attr(summary, "DecimalPlaces")))
            currency = currency or attr(summary, "CurrencyCode")
        for detail in findall(category, "RevenueDetails", "RevenueDetail"):
            details.append(parse_amount(attr(detail, "Amount"), attr(detail, "DecimalPlaces")))
            currency = currency or attr(detail, "CurrencyCode")
    totals, details = [t for t in totals if t is not None], [d for d in details if d is not None]
    amount = max(totals) if totals else (sum(details) if details else None)
    if amount is None:
        return {}
    return {"amount": str(amount), "currency": (currency or "").upper() or None}


def _wrong_root(name: str) -> str:
    accepted = ", ".join(SUPPORTED_ROOTS)
    if name.endswith("RS"):
        return f"{name} is a response, not a reservation message (accepted: {accepted})"
    return f"{name} is not a reservation message (accepted: {accepted})"

