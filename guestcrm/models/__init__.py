"""SQLAlchemy models, one module per aggregate; importing this package registers them all."""

from guestcrm.models.audit import AuditEntry
from guestcrm.models.guest import (
    Complaint,
    ContactPoint,
    ExternalId,
    GuestProfile,
    MergeRecord,
    Preference,
)
from guestcrm.models.inbox import InboxEvent
from guestcrm.models.property import Property
from guestcrm.models.staff import ApiToken, StaffUser, WebhookCredential
from guestcrm.models.stay import Stay, StayGuest, StayVersion

__all__ = [
    "ApiToken",
    "AuditEntry",
    "Complaint",
    "ContactPoint",
    "ExternalId",
    "GuestProfile",
    "InboxEvent",
    "MergeRecord",
    "Preference",
    "Property",
    "StaffUser",
    "Stay",
    "StayGuest",
    "StayVersion",
    "WebhookCredential",
]
