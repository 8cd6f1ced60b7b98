"""HTML form bodies (multipart/form-data, RFC 7578; application/x-www-form-urlencoded), read
from the raw bytes: how AlpineBits clients post their `action` and `request` fields.

One reader for the webhook, replays and imports alike. It is small on purpose: a body here is
one message of a few kilobytes with a handful of fields, under the webhook's size limit. (A
general parser compiled two regular expressions for every request, since every request has a
new boundary: that was half a millisecond per message.) Field values are bytes; a field sent
as a file part is a field like any other, and the first of repeated fields wins.
"""

from __future__ import annotations

from collections.abc import Iterator
from email.message import Message
from email.utils import collapse_rfc2231_value
from urllib.parse import parse_qs

from connectors.base import ConnectorError

MULTIPART = "multipart/form-data"
URLENCODED = "application/x-www-form-urlencoded"
MAX_BOUNDARY = 70  # RFC 2046


def read_form(body: bytes, content_type: str) -> dict[str, bytes]:
    """The fields of a form body; {} when the content type is not a form. Raises
    ConnectorError on a form that cannot be read."""
    kind, params = _header_value(content_type or "")
    if not body.strip():
        return {}  # no fields: the caller says which one is missing
    if kind == URLENCODED:
        try:
            pairs = parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            raise ConnectorError("form body is not valid UTF-8") from None
        return {key: values[0].encode("utf-8") for key, values in pairs.items()}
    if kind != MULTIPART:
        return {}
    boundary = params.get("boundary") or ""
    if not 0 < len(boundary) <= MAX_BOUNDARY or not boundary.isascii():
        raise ConnectorError("multipart body without a usable boundary")
    fields: dict[str, bytes] = {}
    for part in _parts(body, b"--" + boundary.encode("ascii")):
        headers, content = _split_part(part)
        _, disposition = _header_value(headers.get("content-disposition", ""))
        name = disposition.get("name")
        if name and name not in fields:
            fields[name] = content
    return fields


def _parts(body: bytes, delimiter: bytes) -> Iterator[bytes]:
    """Each part between delimiter lines (a delimiter starts a line; the line break before it
    belongs to it), up to the closing `--boundary--`."""
    if body.startswith(delimiter):
        start = 0
    else:
        start = body.find(b"\n" + delimiter) + 1
        if start == 0:
            raise ConnectorError("multipart body without its boundary")
    while True:
        after = start + len(delimiter)
        if body.startswith(b"--", after):
            return  # the closing delimiter: what follows is an epilogue
        line_end = body.find(b"\n", after)
        following = body.find(b"\n" + delimiter, max(line_end, after))
        if line_end < 0 or following < 0:
            raise ConnectorError("multipart body ends inside a part (no closing boundary)")
        end = following - 1 if body[following - 1:following] == b"\r" else following
        yield body[line_end + 1:max(end, line_end + 1)]
        start = following + 1


def _split_part(part: bytes) -> tuple[dict[str, str], bytes]:
    """A part's headers (lower-case names) and its content, split at the first blank line
    (CRLF or, from lenient senders, LF)."""
    if part.startswith((b"\r\n", b"\n")):  # no headers at all
        return {}, part[2:] if part.startswith(b"\r\n") else part[1:]
    cuts = [(at, len(sep)) for sep in (b"\r\n\r\n", b"\n\n") if (at := part.find(sep)) >= 0]
    if not cuts:
        raise ConnectorError("multipart part without the blank line after its headers")
    at, width = min(cuts)
    headers: dict[str, str] = {}
    for line in part[:at].decode("utf-8", "replace").splitlines():
        name, colon, value = line.partition(":")
        if colon:
            headers.setdefault(name.strip().lower(), value.strip())
    return headers, part[at + width:]


def _header_value(value: str) -> tuple[str, dict[str, str]]:
    """A header's main value (lower-case) and its parameters, quoting undone."""
    message = Message()
    message["x"] = value
    params = message.get_params(header="x") or []
    main = params[0][0].strip().lower() if params else ""
    return main, {key.lower(): collapse_rfc2231_value(val) for key, val in params[1:]}
