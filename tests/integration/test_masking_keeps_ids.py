"""Card masking never touches ids (issue #12, defects 1, 2 and 4): two guests whose loyalty
numbers share their last four digits stay two guests, two bookings whose 16-digit ids share
them stay two stays, a hotel-limited credential cannot reach another hotel through what
masking does, and a card number in a comment is never stored in clear."""

from __future__ import annotations

from sqlalchemy import func, select

from connectors.card_data import contains_card_number, luhn_valid
from guestcrm.models import ExternalId, InboxEvent, Property, Stay
from guestcrm.services.access.credentials import create_webhook_credential
from tests.integration.test_webhooks import drain, post_ota


def _secret(session) -> str:
    return create_webhook_credential(session, "opentravel", "channel-manager")


def luhn(prefix: str, suffix: str = "") -> str:
    """A Luhn-valid number (like a card's) of the prefix, one free digit, then the suffix."""
    return next(prefix + d + suffix for d in "0123456789" if luhn_valid(prefix + d + suffix))


def ota(res_id: str, hotel: str, first: str, last: str, email: str, loyalty: str,
        comment: str = "quiet room", before: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OTA_HotelResNotifRQ xmlns="http://www.opentravel.org/OTA/2003/05" Version="1.0"
    ResStatus="Commit"><HotelReservations><HotelReservation CreateDateTime="2026-11-01T10:00:00Z">
<RoomStays><RoomStay><TimeSpan Start="2026-12-20" End="2026-12-22"/>{before}
<BasicPropertyInfo HotelCode="{hotel}"/>
<Comments><Comment><Text>{comment}</Text></Comment></Comments></RoomStay></RoomStays>
<ResGuests><ResGuest><Profiles><ProfileInfo><Profile ProfileType="1"><Customer>
<PersonName><GivenName>{first}</GivenName><Surname>{last}</Surname></PersonName>
<Email>{email}</Email>
<CustLoyalty ProgramID="AURUM" MembershipID="{loyalty}"/>
</Customer></Profile></ProfileInfo></Profiles></ResGuest></ResGuests>
<ResGlobalInfo><HotelReservationIDs>
<HotelReservationID ResID_Type="14" ResID_Value="{res_id}"/>
</HotelReservationIDs></ResGlobalInfo></HotelReservation></HotelReservations>
</OTA_HotelResNotifRQ>""".encode()


def test_ids_and_loyalty_numbers_that_share_their_last_digits_stay_apart(app, client, db_session):
    first_id, second_id = luhn("10000000000", "0001"), luhn("20000000000", "0001")
    loyalty_a, loyalty_b = luhn("41111111111", "4242"), luhn("51111111111", "4242")
    assert len(first_id) == 16 and first_id[-4:] == second_id[-4:]
    assert loyalty_a[-4:] == loyalty_b[-4:]
    secret = _secret(db_session)
    for res_id, first, email, loyalty in ((first_id, "Anna", "anna@example.org", loyalty_a),
                                          (second_id, "Bernd", "bernd@example.org", loyalty_b)):
        response = post_ota(client, secret, ota(res_id, "ALP1", first, "Gruber",
                                                             email, loyalty))
        assert response.status_code == 200, response.data[:300]
    drain(app)
    stays = db_session.scalars(select(Stay).order_by(Stay.id)).all()
    assert sorted(s.external_id for s in stays) == sorted([first_id, second_id])
    assert len({s.profile_id for s in stays}) == 2
    loyalty = set(db_session.scalars(select(ExternalId.value).where(ExternalId.kind == "loyalty")))
    assert loyalty == {loyalty_a, loyalty_b}
    for body in db_session.scalars(select(InboxEvent.body)):
        assert first_id.encode() in body or second_id.encode() in body


def test_a_card_number_in_a_comment_is_stored_nowhere_in_clear(app, client, db_session):
    card = "4111 1111&#160;1111.1111 12/27"
    body = ota(luhn("300000000000000"), "ALP1", "Clara", "Huber", "clara@example.org",
               luhn("611111111111111"), comment=f"pay with {card}")
    assert post_ota(client, _secret(db_session), body).status_code == 200
    drain(app)
    [stay] = db_session.scalars(select(Stay)).all()
    comments = " ".join(stay.comments or [])
    assert "1111" in comments and not contains_card_number(comments)
    [stored] = db_session.scalars(select(InboxEvent.body)).all()
    assert b"4111" not in stored and b"XXXX.1111 12/27" in stored


def test_what_masking_does_cannot_move_a_booking_to_another_hotel(app, client, db_session):
    """A SeriesCode attribute value spanning markup was what let a CITY1-only credential
    write to ALP1: the door read CITY1, the masked copy lost BasicPropertyInfo."""
    secret = create_webhook_credential(db_session, "opentravel", "cm-city", properties=["CITY1"])
    before = ('<Guarantee><GuaranteesAccepted><GuaranteeAccepted>'
              '<PaymentCard CardNumber="4111111111111111" SeriesCode="123">'
              "<CardHolderName>SeriesCode='Dora</CardHolderName></PaymentCard>"
              '</GuaranteeAccepted></GuaranteesAccepted></Guarantee>')
    body = ota(luhn("400000000000000"), "CITY1", "Dora", "Maier", "dora@example.org",
               luhn("711111111111111"), comment="it's a quiet room, please", before=before)
    assert post_ota(client, secret, body, user="cm-city").status_code == 200
    drain(app)
    hotels = db_session.scalars(select(Property.code).join(Stay, Stay.property_id == Property.id))
    assert list(hotels) == ["CITY1"]
    assert db_session.scalar(select(func.count()).select_from(Stay)) == 1
