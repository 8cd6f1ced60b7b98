"""Form bodies read from raw bytes (connectors/form_body.py): what AlpineBits clients post."""

from __future__ import annotations

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from connectors.base import ConnectorError
from connectors.fake import FakePMS
from connectors.form_body import read_form

XML = b'<?xml version="1.0"?>\r\n<OTA_HotelResNotifRQ>\r\n--not-the-boundary\r\n</OTA_HotelResNotifRQ>'


def multipart(boundary: str, parts: list[tuple[str, bytes]], newline: bytes = b"\r\n",
              preamble: bytes = b"", epilogue: bytes = b"") -> bytes:
    b = boundary.encode()
    body = preamble
    for header, content in parts:
        body += b"--" + b + newline + header.encode() + newline + newline + content + newline
    return body + b"--" + b + b"--" + newline + epilogue


def test_the_fields_of_every_fake_pms_form_are_what_werkzeug_reads():
    forms = [e for e in FakePMS(7).events(80) if e.content_type.startswith("multipart/")]
    assert forms
    for event in forms:
        environ = EnvironBuilder(method="POST", data=event.body,
                                 headers={"Content-Type": event.content_type}).get_environ()
        expected = {k: v.encode() for k, v in Request(environ).form.to_dict().items()}
        assert read_form(event.body, event.content_type) == expected


def test_a_quoted_boundary_a_preamble_an_epilogue_and_a_file_part():
    body = multipart("a b'c", [
        ('Content-Disposition: form-data; name="action"', b"OTA_HotelResNotif:GuestRequests"),
        ('Content-Disposition: form-data; name="request"; filename="r.xml"\r\n'
         "Content-Type: text/xml", XML),
    ], preamble=b"ignored preamble\r\n", epilogue=b"ignored epilogue")
    fields = read_form(body, "multipart/form-data; boundary=\"a b'c\"")
    assert fields == {"action": b"OTA_HotelResNotif:GuestRequests", "request": XML}


def test_bare_line_feeds_repeated_fields_and_an_empty_value():
    body = multipart("XyZ", [('content-disposition: form-data; name="action"', b"first"),
                             ('Content-Disposition: form-data; name="action"', b"second"),
                             ('Content-Disposition: form-data; name="empty"', b"")],
                     newline=b"\n")
    assert read_form(body, "multipart/form-data; boundary=XyZ") == {
        "action": b"first", "empty": b""}


def test_urlencoded_forms_and_other_bodies():
    assert read_form(b"action=a%3Ab&request=%3Cx%2F%3E", "application/x-www-form-urlencoded") == {
        "action": b"a:b", "request": b"<x/>"}
    assert read_form(b"<x/>", "application/xml") == {}
    assert read_form(b"", "multipart/form-data") == {}


@pytest.mark.parametrize(("body", "content_type", "reason"), [
    (b"--b\r\nx\r\n\r\ny\r\n--b--", "multipart/form-data", "boundary"),
    (b"--b\r\nx\r\n\r\ny\r\n--b--", "multipart/form-data; boundary=" + "b" * 71, "boundary"),
    (b"no delimiter here", "multipart/form-data; boundary=b", "without its boundary"),
    (b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue",
     "multipart/form-data; boundary=b", "no closing boundary"),
    (b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n--b--",
     "multipart/form-data; boundary=b", "blank line"),
    (b"action=\xff", "application/x-www-form-urlencoded", "UTF-8"),
])
def test_a_form_that_cannot_be_read_is_refused_with_the_reason(body, content_type, reason):
    with pytest.raises(ConnectorError, match=reason):
        read_form(body, content_type)
