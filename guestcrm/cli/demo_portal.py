"""A way into the guest portal for the demo, which has no mail server: a sign-in link for one
demo guest, printed (valid a day, single use), on GUESTCRM_PUBLIC_URL (scripts/demo.sh sets it
to the address it serves)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from guestcrm.models import ContactPoint, GuestProfile
from guestcrm.services.portal.email_links import create_link

DEMO_LINK_LIFETIME = timedelta(days=1)


def portal_link(session: Session) -> Iterator[str]:
    row = session.execute(
        select(GuestProfile, ContactPoint.value_normalized)
        .join(ContactPoint, ContactPoint.profile_id == GuestProfile.id)
        .where(ContactPoint.kind == "email", ContactPoint.is_relay.is_(False),
               GuestProfile.merged_into_id.is_(None), GuestProfile.completed_stays > 1)
        .order_by(GuestProfile.completed_stays.desc(), GuestProfile.id).limit(1)).first()
    if row is None:
        return
    profile, email = row
    token = create_link(session, email, DEMO_LINK_LIFETIME)
    session.commit()
    base = current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000"
    yield (f"guest portal: sign in as {profile.display_name} ({email}) at "
           f"{base}/me/email/{token}  (once, within a day)")
