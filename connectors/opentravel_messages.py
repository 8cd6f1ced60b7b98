"""Answers to OpenTravel reservation pushes (OTA 2011B-shaped, validated against those XSDs).

Status codes: the answer to a message we could read is HTTP 200, also when it carries
<Errors>, because OTA senders read the outcome from the body (and many retry on any 4xx/5xx,
which would loop on a message that will never parse). A body that is not a usable OTA
document at all (malformed, wrong content type, unknown root) gets HTTP 400 with an OTA
error body: retrying it cannot help, and 400 tells the sender's operators so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from lxml import etree

from connectors.ota_xml import ota_element, sub, to_bytes

# Request root -> (answer root, container of answered reservations, its item element).
ANSWERS = {
    "OTA_HotelResNotifRQ": ("OTA_HotelResNotifRS", "HotelReservations", "HotelReservation"),
    "OTA_HotelResModifyNotifRQ": (
        "OTA_HotelResModifyNotifRS", "HotelResModifies", "HotelResModify"),
    "OTA_HotelResRQ": ("OTA_HotelResRS", "HotelReservations", "HotelReservation"),
    "OTA_HotelResModifyRQ": ("OTA_HotelResModifyRS", "HotelResModifies", "HotelResModify"),
    "OTA_ResRetrieveRS": ("OTA_HotelResNotifRS", "HotelReservations", "HotelReservation"),
    "OTA_CancelRQ": ("OTA_CancelRS", None, None),
    "OTA_HotelStayInfoNotifRQ": ("OTA_HotelStayInfoNotifRS", None, None),
}
# OTA Error Warning Type (EWT) and Error Code (ERR) values used in answers.
EWT_PROTOCOL_VIOLATION = "7"
EWT_PROCESSING_EXCEPTION = "12"
ERR_UNABLE_TO_PROCESS = "450"


def answer(request_root: str, echo: Mapping[str, str | None],
           accepted: Iterable[tuple[str, str]], refused: Mapping[str, str],
           now: datetime | None = None) -> bytes:
    """Success with the stored reservation ids (and a warning per refused one), or Errors when
    nothing could be used. `accepted` holds (id, HotelReservationID ResID_Type) pairs."""
    root_name, container, item = ANSWERS.get(request_root, ANSWERS["OTA_HotelResNotifRQ"])
    accepted = list(accepted)
    root = _root(root_name, echo, now)
    if not accepted:
        reasons = refused or {"request": "the message holds no reservation"}
        _errors(root, reasons, EWT_PROCESSING_EXCEPTION)
        if root_name == "OTA_CancelRS":
            root.set("Status", "Ignored")
        return to_bytes(root)
    sub(root, "Success")
    if refused:
        warnings = sub(root, "Warnings")
        for record, reason in refused.items():
            sub(warnings, "Warning", text_value=reason, Type=EWT_PROCESSING_EXCEPTION,
                Code=ERR_UNABLE_TO_PROCESS, RecordID=record[:64], Status="NotProcessed",
                ShortText=reason[:64])
    if root_name == "OTA_CancelRS":
        root.set("Status", "Cancelled")
        for res_id, _ in accepted:
            sub(root, "UniqueID", Type="14", ID=res_id[:64])
    elif container:
        items = sub(root, container)
        for res_id, id_type in accepted:
            ids = sub(sub(sub(items, item), "ResGlobalInfo"), "HotelReservationIDs")
            sub(ids, "HotelReservationID", ResID_Type=id_type, ResID_Value=res_id[:64])
    return to_bytes(root)


def error_answer(reason: str, request_root: str | None = None,
                 echo: Mapping[str, str | None] | None = None,
                 now: datetime | None = None) -> bytes:
    """An OTA error document for a body we refuse before storing."""
    root_name = ANSWERS.get(request_root or "", ANSWERS["OTA_HotelResNotifRQ"])[0]
    root = _root(root_name, echo or {}, now)
    _errors(root, {"request": reason}, EWT_PROTOCOL_VIOLATION)
    if root_name == "OTA_CancelRS":
        root.set("Status", "Ignored")
    return to_bytes(root)


def _root(name: str, echo: Mapping[str, str | None], now: datetime | None) -> etree._Element:
    # TimeStamp is when *this* message was created (OTA_PayloadStdAttributes); EchoToken,
    # Version and Target are echoed so the sender can pair the answer with its request.
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    return ota_element(name, EchoToken=echo.get("EchoToken"), TimeStamp=stamp,
                       Target=echo.get("Target"), Version=echo.get("Version") or "1.000")


def _errors(root: etree._Element, reasons: Mapping[str, str], kind: str) -> None:
    errors = sub(root, "Errors")
    for record, reason in reasons.items():
        sub(errors, "Error", text_value=reason, Type=kind, Code=ERR_UNABLE_TO_PROCESS,
            ShortText=reason[:64], RecordID=record[:64] if record != "request" else None)
