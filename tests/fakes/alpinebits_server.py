"""A channel's AlpineBits server (which we cannot run here): the one fake of it.

It answers OTA_Read:GuestRequests with the sample reservation and cancellation until their ids
are acknowledged with OTA_NotifReport:GuestRequests, then with the empty sample list.
"""

from __future__ import annotations

import base64
import re
import threading
from dataclasses import dataclass, field

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.samples import SAMPLES

SAMPLE_DIR = SAMPLES / "alpinebits" / "samples"
USER, PASSWORD = "guestcrm", "pull-secret"


@dataclass
class FakeAlpineBitsServer:
    pending: dict[str, bytes] = field(default_factory=dict)  # reservation id -> its RS
    acknowledged: list[str] = field(default_factory=list)
    reads: int = 0
    fail_reads: bool = False

    def __post_init__(self) -> None:
        self.pending = {
            "6b34fe24ac2ff810": (
                SAMPLE_DIR / "GuestRequests-OTA_ResRetrieveRS-reservation.xml"
            ).read_bytes(),
        }
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}/alpinebits"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeAlpineBitsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()

    def wsgi(self, environ, start_response):
        request = Request(environ)
        expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return Response("ERROR:unauthorized", 401)(environ, start_response)
        action = request.form.get("action", "")
        if action == "OTA_Read:GuestRequests":
            self.reads += 1
            if self.fail_reads:
                return Response("ERROR:temporarily unavailable", 500)(environ, start_response)
            body = (
                next(iter(self.pending.values()), None)
                or (
                    SAMPLE_DIR / "GuestRequests-OTA_ResRetrieveRS-reservation-empty.xml"
                ).read_bytes()
            )
            return Response(body, 200, content_type="application/xml")(environ, start_response)
        if action == "OTA_NotifReport:GuestRequests":
            for res_id in re.findall(r'UniqueID[^>]*ID="([^"]+)"', request.form.get("request", "")):
                self.acknowledged.append(res_id)
                self.pending.pop(res_id, None)
            body = b'<OTA_NotifReportRS xmlns="http://www.opentravel.org/OTA/2003/05" Version="1.000"><Success/></OTA_NotifReportRS>'
            return Response(body, 200, content_type="application/xml")(environ, start_response)
        return Response(f"ERROR:unknown action {action}", 400)(environ, start_response)
