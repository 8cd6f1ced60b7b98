"""Where the shared sample payloads and schemas are, and how to validate against them.

The folder is ../shared/samples beside the repository unless GUESTCRM_SAMPLES_DIR says
otherwise. A missing folder or file fails the tests that need it (an AssertionError naming
the path), it never skips them: a skipped sample test would hide a broken checkout.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parents[1]
SAMPLES = Path(os.environ.get("GUESTCRM_SAMPLES_DIR") or REPO.parent / "shared" / "samples")
ALPINEBITS = SAMPLES / "alpinebits"
OTA_2011B = SAMPLES / "opentravel" / "2011B"
OTA_2011A = SAMPLES / "opentravel" / "2011A"
ALPINEBITS_VERSIONS = ("2020-10", "2022-10", "2024-10")

# Listed by name, not globbed: an empty glob would turn the parametrized tests into skips.
ALPINEBITS_SAMPLES = (
    "samples/GuestRequests-OTA_HotelResNotifRQ-reservation-push.xml",
    "samples/GuestRequests-OTA_HotelResNotifRS-reservation-push.xml",
    "samples/GuestRequests-OTA_ReadRQ-ack.xml",
    "samples/GuestRequests-OTA_ReadRQ-invalid.xml",
    "samples/GuestRequests-OTA_ReadRQ.xml",
    "samples/GuestRequests-OTA_ResRetrieveRS-cancellation.xml",
    "samples/GuestRequests-OTA_ResRetrieveRS-error.xml",
    "samples/GuestRequests-OTA_ResRetrieveRS-request-with-roomtype.xml",
    "samples/GuestRequests-OTA_ResRetrieveRS-reservation-empty.xml",
    "samples/GuestRequests-OTA_ResRetrieveRS-reservation.xml",
    "samples/Handshake-OTA_PingRQ.xml",
    "samples/Handshake-OTA_PingRS.xml",
    "samples-hgv/GuestRequests-OTA_ResRetrieveRS-request-with-roomtype.xml",
)
ALPINEBITS_INVALID = {"samples/GuestRequests-OTA_ReadRQ-invalid.xml"}
OPENTRAVEL_SAMPLES = (
    "2011A/samples/OTA_ProfileCreateRQ.xml",
    "2011A/samples/OTA_ProfileMergeRQ.xml",
    "2011A/samples/OTA_ProfileReadRS3.xml",
    "2011B/samples/OTA_CancelRQ_ForumHotelCancelSample.xml",
    "2011B/samples/OTA_CancelRS_ForumHotelCancelSample.xml",
    "2011B/samples/OTA_HotelResModifyNotifRQ.xml",
    "2011B/samples/OTA_HotelResModifyNotifRS.xml",
    "2011B/samples/OTA_HotelResModifyRQ.xml",
    "2011B/samples/OTA_HotelResNotifRQ.xml",
    "2011B/samples/OTA_HotelResNotifRQ2.xml",
    "2011B/samples/OTA_HotelResNotifRQ3.xml",
    "2011B/samples/OTA_HotelResNotifRQ_Disability.xml",
    "2011B/samples/OTA_HotelResNotifRS.xml",
    "2011B/samples/OTA_HotelResNotifRS_RecordLevelProcessingErrors.xml",
    "2011B/samples/OTA_HotelResRQ.xml",
    "2011B/samples/OTA_HotelResRQ105.xml",
    "2011B/samples/OTA_HotelResRS.xml",
    "2011B/samples/OTA_HotelStayInfoNotifRQ.xml",
    "2011B/samples/OTA_NotifReportRQ.xml",
    "2011B/samples/OTA_ReadRQ3.xml",
    "2011B/samples/OTA_ResRetrieveRS2.xml",
)


def _existing(path: Path) -> Path:
    assert path.is_file(), (
        f"sample file {path} is missing: the shared samples belong in {SAMPLES} "
        "(or set GUESTCRM_SAMPLES_DIR)"
    )
    return path


def alpinebits_sample(name: str) -> bytes:
    """An AlpineBits sample by its path under alpinebits/ (or by bare file name in samples/)."""
    relative = name if "/" in name else f"samples/{name}"
    return _existing(ALPINEBITS / relative).read_bytes()


def ota_sample(name: str) -> bytes:
    """An OpenTravel sample by its path under opentravel/ (or by bare name in 2011B/samples/)."""
    relative = name if "/" in name else f"2011B/samples/{name}"
    return _existing(SAMPLES / "opentravel" / relative).read_bytes()


def all_sample_paths() -> list[Path]:
    """Every listed AlpineBits and OpenTravel sample file (each must exist)."""
    return [_existing(ALPINEBITS / n) for n in ALPINEBITS_SAMPLES] + [
        _existing(SAMPLES / "opentravel" / n) for n in OPENTRAVEL_SAMPLES
    ]


@lru_cache(maxsize=32)
def ota_2011b_schema(root_name: str) -> etree.XMLSchema:
    """The OTA 2011B schema of a root element, loaded from its own folder (relative includes)."""
    path = _existing(OTA_2011B / "xsd" / f"{root_name}.xsd")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(path), parser=parser))


def ota_2011b_errors(xml: bytes) -> list[str]:
    """OTA 2011B schema errors of a document ([] when valid), by its root element's schema."""
    document = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    schema = ota_2011b_schema(etree.QName(document).localname)
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def stored_form(xml: bytes) -> bytes:
    """What the inbox keeps of an XML message: its parsed tree, card data masked, serialized."""
    from connectors.base import InboundMessage
    from connectors.ota_xml import masked

    return masked(InboundMessage(body=xml)).body
