"""AlpineBits messages GuestCRM writes (handshake, push answer, read request, acknowledgement)
and XSD validation of what it receives. Pure functions on bytes; no transport here.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from lxml import etree

from connectors.base import ConnectorError
from connectors.ota_reservation import PLACEHOLDER_KEY
from connectors.ota_xml import attr, find, local_name, ota_element, parse_xml, sub, to_bytes

# What GuestCRM speaks, newest first; the handshake answers with the intersection.
SUPPORTED_VERSIONS = ("2024-10", "2022-10", "2020-10")
DEFAULT_VERSION = "2024-10"
ACTION_PING = "OTA_Ping:Handshaking"
ACTION_PUSH = "OTA_HotelResNotif:GuestRequests"
ACTION_READ = "OTA_Read:GuestRequests"
ACTION_ACK = "OTA_NotifReport:GuestRequests"
# Request `action` value -> its name in the handshake JSON.
HANDSHAKE_NAMES = {
    ACTION_PING: "action_OTA_Ping",
    ACTION_PUSH: "action_OTA_HotelResNotif_GuestRequests",
}
# Answer codes (OTA EWT/ERR), as the AlpineBits samples use them: a refused record is a
# warning of type 3 (business rule) with code 450 (unable to process).
REFUSED_TYPE, REFUSED_CODE = "3", "450"
APPLICATION_ERROR_TYPE = "13"
HANDSHAKE_WARNING_TYPE, HANDSHAKE_STATUS = "11", "ALPINEBITS_HANDSHAKE"
# ParseResult.warnings key of a warning the server sent (not a refused reservation).
SERVER_WARNING_KEY = "server warning "

_XSD_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_VALIDATION_LOCK = threading.Lock()  # one compiled schema's error log is not thread-safe


def samples_dir() -> Path:
    """The shared samples/schemas folder: $GUESTCRM_SAMPLES_DIR, else shared/samples beside
    the repository."""
    configured = os.environ.get("GUESTCRM_SAMPLES_DIR")
    if configured:
        return Path(configured)
    return _DEFAULT_SAMPLES


_DEFAULT_SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"


# Schema validation of pushed messages: on unless turned off explicitly; with it on, the app
# refuses to start when a schema is missing (guestcrm create_app), it is never off silently.
VALIDATE_ENV = "GUESTCRM_ALPINEBITS_VALIDATE"
XSD_DIR_ENV = "GUESTCRM_ALPINEBITS_XSD_DIR"
_OFF = ("0", "off", "false", "no")


def validation_on() -> bool:
    return os.environ.get(VALIDATE_ENV, "1").strip().lower() not in _OFF


def xsd_dir() -> Path:
    """$GUESTCRM_ALPINEBITS_XSD_DIR, else alpinebits/xsd in the shared samples folder."""
    configured = os.environ.get(XSD_DIR_ENV)
    return Path(configured) if configured else samples_dir() / "alpinebits" / "xsd"


def xsd_path(version: str) -> Path:
    if version not in SUPPORTED_VERSIONS:
        raise ConnectorError(f"unsupported AlpineBits version {version!r}")
    return xsd_dir() / f"alpinebits-{version}.xsd"


def missing_schemas() -> list[Path]:
    """The schema files of the supported versions that are not there."""
    return [path for path in map(xsd_path, SUPPORTED_VERSIONS) if not path.is_file()]


def validation_status() -> str:
    """One line for the admin area: whether pushed messages are checked, against what."""
    if not validation_on():
        return f"off ({VALIDATE_ENV}=0): AlpineBits messages are not checked against the XSD"
    missing = missing_schemas()
    if missing:
        return f"on, but schemas are missing: {', '.join(str(p) for p in missing)}"
    return f"on: AlpineBits {', '.join(SUPPORTED_VERSIONS)} from {xsd_dir()}"


@lru_cache(maxsize=8)
def _schema(path: str) -> etree.XMLSchema | None:
    """The compiled schema at `path`, None when there is no such file; once per path and
    process (compiling a 200 kB schema takes a noticeable fraction of a second; the file is not
    looked for again per message)."""
    if not os.path.isfile(path):
        return None
    return etree.XMLSchema(etree.parse(path, parser=_XSD_PARSER))


def validate_against_xsd(xml_bytes: bytes, version: str = DEFAULT_VERSION,
                         document: etree._Element | None = None) -> list[str]:
    """Schema errors of a message for that AlpineBits version ([] when valid). `document`, when
    given, is parse_xml(xml_bytes) done already (it is not parsed again).

    A schema that is not there (removed after start-up, which checked for it) refuses the
    message with that reason rather than letting it through unchecked.
    """
    path = xsd_path(version)
    schema = _schema(str(path))
    if schema is None:
        raise ConnectorError(f"cannot check AlpineBits {version}: its XSD {path} is missing")
    if document is None:
        document = parse_xml(xml_bytes)
    with _VALIDATION_LOCK:
        if schema.validate(document):
            return []
        return [f"line {e.line}: {e.message}" for e in schema.error_log]


def handshake_response(request_xml: bytes) -> bytes:
    """OTA_PingRS: EchoData echoed as received, the common versions/actions in a Warning."""
    root = parse_xml(request_xml)
    if local_name(root) != "OTA_PingRQ":
        raise ConnectorError(f"handshake expects OTA_PingRQ, got {local_name(root)}")
    echo = find(root, "EchoData")
    echo_text = echo.text if echo is not None and echo.text else ""
    try:
        offered = json.loads(echo_text)
    except ValueError:
        raise ConnectorError("EchoData is not the JSON list of versions and actions") from None
    common = {"versions": _intersection(offered)}
    answer = ota_element("OTA_PingRS", Version=attr(root, "Version") or "8.000")
    sub(answer, "Success")
    warnings = sub(answer, "Warnings")
    sub(warnings, "Warning", text_value=json.dumps(common), Type=HANDSHAKE_WARNING_TYPE,
        Status=HANDSHAKE_STATUS)
    sub(answer, "EchoData", text_value=echo_text)
    return to_bytes(answer)


def _intersection(offered: object) -> list[dict]:
    ours = set(HANDSHAKE_NAMES.values())
    versions = offered.get("versions", []) if isinstance(offered, dict) else []
    common = []
    for entry in versions if isinstance(versions, list) else []:
        if not isinstance(entry, dict) or entry.get("version") not in SUPPORTED_VERSIONS:
            continue
        actions = [
            {"action": a["action"]}  # we announce no optional capabilities ("supports")
            for a in entry.get("actions", []) if isinstance(a, dict) and a.get("action") in ours
        ]
        common.append({"version": entry["version"], "actions": actions})
    return common


def notif_response(accepted: Iterable[tuple[str, str]], refused: Mapping[str, str],
                   version: str = "1.000") -> bytes:
    """OTA_HotelResNotifRS for a push: the stored ids, a warning per refused reservation.

    The schema needs at least one HotelReservation after Success, so a push of which nothing
    could be used is answered with Errors (allowed since AlpineBits 2022-10).
    """
    accepted = [(res_id, kind) for res_id, kind in accepted if res_id]
    answer = ota_element("OTA_HotelResNotifRS", Version=version)
    if not accepted:
        errors = sub(answer, "Errors")
        reasons = [f"{key}: {reason}" for key, reason in refused.items()]
        for reason in reasons or ["the request holds no reservation"]:
            sub(errors, "Error", text_value=reason, Type=APPLICATION_ERROR_TYPE, Code=REFUSED_CODE)
        return to_bytes(answer)
    sub(answer, "Success")
    _refusal_warnings(answer, refused)
    reservations = sub(answer, "HotelReservations")
    for res_id, kind in accepted:
        sub(sub(reservations, "HotelReservation"), "UniqueID", Type=kind, ID=res_id)
    return to_bytes(answer)


def _refusal_warnings(parent: etree._Element, refused: Mapping[str, str]) -> None:
    if refused:
        warnings = sub(parent, "Warnings")
        for record_id, reason in refused.items():
            sub(warnings, "Warning", text_value=reason, Type=REFUSED_TYPE, Code=REFUSED_CODE,
                RecordID=record_id[:64])


def build_read_request(hotel_code: str, hotel_name: str | None = None,
                       since: datetime | None = None) -> bytes:
    """OTA_ReadRQ for `OTA_Read:GuestRequests`; `since` asks only for requests created after it."""
    if not hotel_code:
        raise ValueError("hotel_code is required")
    request = ota_element("OTA_ReadRQ", Version="1.001")
    hotel = sub(sub(request, "ReadRequests"), "HotelReadRequest", HotelCode=hotel_code[:16],
                HotelName=hotel_name[:128] if hotel_name else None)
    if since is not None:
        sub(hotel, "SelectionCriteria", Start=since.isoformat(timespec="seconds"))
    return to_bytes(request)


def build_notif_report(acks: Iterable[tuple[str, str] | str],
                       refused: Mapping[str, str] | None = None) -> bytes:
    """OTA_NotifReportRQ acknowledging stored reservations: (id, "14"|"15") pairs or bare ids
    (Type 14); `refused` ids (ParseResult.warnings will do) get a warning 450 so the sender
    knows they were not taken. Keys that name no reservation are left out."""
    pairs = [(a, "14") if isinstance(a, str) else (a[0], a[1]) for a in acks]
    report = ota_element("OTA_NotifReportRQ", Version="1.000")
    sub(report, "Success")
    named = {k: v for k, v in (refused or {}).items()
             if not k.startswith((PLACEHOLDER_KEY, SERVER_WARNING_KEY))}
    _refusal_warnings(report, named)
    if pairs:
        report_details = sub(sub(report, "NotifDetails"), "HotelNotifReport")
        reservations = sub(report_details, "HotelReservations")
        for res_id, kind in dict.fromkeys(pairs):
            sub(sub(reservations, "HotelReservation"), "UniqueID", Type=kind, ID=res_id)
    return to_bytes(report)
