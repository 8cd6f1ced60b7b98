"""SQLAlchemy models, one module per aggregate; importing this package registers them all."""

from guestcrm.models.audit import AuditEntry
from guestcrm.models.connection import BackfillRun, ConnectorConnection
from guestcrm.models.guest import (
    Complaint,
    ContactPoint,
    ExternalId,
    GuestNote,
    GuestProfile,
    MergeRecord,
    Preference,
)
from guestcrm.models.identity import (
    MatchModelRow,
    NotSamePair,
    ProfileBlockingKey,
    ProfileMatchRecord,
    ReviewTask,
)
from guestcrm.models.inbox import InboxEvent
from guestcrm.models.perk import OutboundMail, Perk, PerkApiRequest, PerkOffer
from guestcrm.models.portal import (
    ConsentEvent,
    EmailSignInLink,
    GuestSession,
    PrivacyRequest,
)
from guestcrm.models.property import Property
from guestcrm.models.recognition import (
    CrmSetting,
    DeskEvent,
    GuestPropertyValue,
    GuestValue,
    OutboundNotification,
    RfmSegmentAction,
    VipAssignment,
    VipLevel,
)
from guestcrm.models.staff import ApiToken, StaffUser, WebhookCredential
from guestcrm.models.stay import Stay, StayGuest, StayVersion

__all__ = [
    "ApiToken",
    "AuditEntry",
    "BackfillRun",
    "Complaint",
    "ConnectorConnection",
    "ConsentEvent",
    "ContactPoint",
    "CrmSetting",
    "DeskEvent",
    "EmailSignInLink",
    "ExternalId",
    "GuestNote",
    "GuestProfile",
    "GuestPropertyValue",
    "GuestSession",
    "GuestValue",
    "InboxEvent",
    "MatchModelRow",
    "MergeRecord",
    "NotSamePair",
    "OutboundMail",
    "OutboundNotification",
    "Perk",
    "PerkApiRequest",
    "PerkOffer",
    "Preference",
    "PrivacyRequest",
    "ProfileBlockingKey",
    "ProfileMatchRecord",
    "Property",
    "ReviewTask",
    "RfmSegmentAction",
    "StaffUser",
    "Stay",
    "StayGuest",
    "StayVersion",
    "VipAssignment",
    "VipLevel",
    "WebhookCredential",
]
