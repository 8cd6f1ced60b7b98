"""One HTTP client for every pull from a vendor's API (cloud PMSs and the AlpineBits puller).

Every call has a timeout; 5xx answers and network errors are retried with exponential backoff;
a 429 waits for its `Retry-After` (seconds or an HTTP date) before trying again; calls to one
vendor account are spaced by a rate limit; OAuth2 client-credentials tokens are fetched with
authlib, refreshed before they expire and once more when the API answers 401. It raises only
the errors below, each saying what the vendor answered, so that callers can tell an outage
(retry later), a missing entity (final) and a credential the vendor no longer accepts
(an admin must act) apart.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from authlib.integrations.requests_client import OAuth2Session

from connectors.base import ConnectorError

DEFAULT_TIMEOUT = (5.0, 30.0)  # seconds to connect, seconds to read
MAX_RETRY_AFTER = 120.0  # a longer Retry-After is an outage: give up and let the caller retry


class VendorError(ConnectorError):
    """The vendor's API could not give what was asked."""


class VendorUnavailable(VendorError):
    """Network error, timeout, 5xx or 429 after the retries: try again later, nothing lost."""


class VendorNotFound(VendorError):
    """The API answered 404 for the entity: final for this request."""


class VendorAuthError(VendorError):
    """The vendor refuses our credentials (revoked, wrong secret): an admin must act."""


class VendorRefused(VendorError):
    """Any other 4xx: the request itself is wrong."""


class RateLimit:
    """At most `calls` calls in any `per` seconds, shared by the threads of one process."""

    def __init__(self, calls: int, per: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.calls, self.per = calls, per
        self._clock, self._sleep = clock, sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until one more call fits; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and now - self._sent[0] >= self.per:
                    self._sent.popleft()
                if len(self._sent) < self.calls:
                    self._sent.append(now)
                    return waited
                pause = self.per - (now - self._sent[0])
            self._sleep(pause)
            waited += pause


_LIMITS: dict[str, RateLimit] = {}
_LIMITS_LOCK = threading.Lock()


def rate_limit_for(key: str, calls: int, per: float) -> RateLimit:
    """The process's rate limit for one vendor account (e.g. "cloudbeds:1234")."""
    with _LIMITS_LOCK:
        limit = _LIMITS.get(key)
        if limit is None or (limit.calls, limit.per) != (calls, per):
            limit = _LIMITS[key] = RateLimit(calls, per)
        return limit


@dataclass(frozen=True)
class ClientCredentials:
    """OAuth2 client credentials of one vendor account."""

    token_url: str
    client_id: str
    client_secret: str
    scope: str | None = None


class VendorHttp:
    """requests with the rules above, for one vendor account."""

    def __init__(self, vendor: str, base_url: str, *, rate_limit: RateLimit | None = None,
                 oauth: ClientCredentials | None = None, headers: dict[str, str] | None = None,
                 timeout: tuple[float, float] = DEFAULT_TIMEOUT, retries: int = 4,
                 backoff: float = 0.5, sleep: Callable[[float], None] = time.sleep) -> None:
        self.vendor = vendor
        self.base_url = base_url.rstrip("/")
        self.rate_limit = rate_limit
        self.oauth = oauth
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json",
                                     "User-Agent": "GuestCRM connector"} | (headers or {}))
        self._token: dict[str, Any] | None = None

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params).json()

    def post_json(self, path: str, body: Any) -> Any:
        return self.request("POST", path, json=body).json()

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """The vendor's 2xx answer; raises a VendorError subclass otherwise."""
        url = path if path.startswith("http") else f"{self.base_url}/{path.lstrip('/')}"
        refreshed = False
        attempt = 0
        while True:
            response = self._send(method, url, kwargs, attempt)
            if response is None:  # a network error, retried by _send until it gave up
                attempt += 1
                continue
            status = response.status_code
            if status == 401 and self.oauth is not None and not refreshed:
                self._token, refreshed = None, True  # expired or rotated: one new token, once
                continue
            if status in (401, 403):
                raise VendorAuthError(f"{self.vendor}: {method} {path} answered {status}: "
                                      f"{_detail(response)}")
            if status == 404:
                raise VendorNotFound(f"{self.vendor}: {method} {path} answered 404")
            if status == 429 or status >= 500:
                pause = self._pause(response, attempt)
                if attempt >= self.retries or pause is None:
                    raise VendorUnavailable(f"{self.vendor}: {method} {path} answered {status} "
                                            f"after {attempt + 1} tries")
                self._sleep(pause)
                attempt += 1
                continue
            if status >= 400:
                raise VendorRefused(f"{self.vendor}: {method} {path} answered {status}: "
                                    f"{_detail(response)}")
            return response

    def _send(self, method: str, url: str, kwargs: dict, attempt: int
              ) -> requests.Response | None:
        if self.rate_limit is not None:
            self.rate_limit.wait()
        headers = dict(kwargs.pop("headers", None) or {})
        if self.oauth is not None:
            headers["Authorization"] = f"Bearer {self._access_token()}"
        try:
            return self.session.request(method, url, headers=headers, timeout=self.timeout,
                                        **kwargs)
        except requests.RequestException as exc:
            if attempt >= self.retries:
                raise VendorUnavailable(f"{self.vendor}: cannot reach {url}: "
                                        f"{type(exc).__name__}") from exc
            self._sleep(self.backoff * 2 ** attempt)
            return None

    def _pause(self, response: requests.Response, attempt: int) -> float | None:
        """Seconds to wait before the next try; None when the vendor asks for too long."""
        if response.status_code == 429:
            retry_after = retry_after_seconds(response.headers.get("Retry-After"))
            if retry_after is not None:
                return retry_after if retry_after <= MAX_RETRY_AFTER else None
        return self.backoff * 2 ** attempt

    def _access_token(self) -> str:
        token = self._token
        if token is None or token.get("expires_at", 0) - 30 < time.time():
            token = self._token = self._fetch_token()
        return token["access_token"]

    def _fetch_token(self) -> dict[str, Any]:
        """A new client-credentials token (authlib), with the same retries as any call."""
        oauth = self.oauth
        assert oauth is not None  # noqa: S101  only called when configured
        client = OAuth2Session(oauth.client_id, oauth.client_secret, scope=oauth.scope)
        for attempt in range(self.retries + 1):
            try:
                token = client.fetch_token(oauth.token_url, grant_type="client_credentials",
                                           timeout=self.timeout)
                break
            except requests.RequestException as exc:
                status = getattr(exc.response, "status_code", None)
                if status is not None and status < 500 and status != 429:
                    raise VendorAuthError(f"{self.vendor}: the token endpoint answered "
                                          f"{status}") from exc
                if attempt >= self.retries:
                    raise VendorUnavailable(f"{self.vendor}: the token endpoint answered "
                                            f"{status or type(exc).__name__} after "
                                            f"{attempt + 1} tries") from exc
                self._sleep(self.backoff * 2 ** attempt)
            except Exception as exc:  # authlib's OAuthError: the vendor refused the client
                raise VendorAuthError(f"{self.vendor}: the token endpoint refused the client "
                                      f"credentials: {exc}") from exc
        if "expires_at" not in token:
            token["expires_at"] = time.time() + float(token.get("expires_in", 300))
        return dict(token)


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds from now (delta-seconds or an HTTP date), None when absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _detail(response: requests.Response) -> str:
    return " ".join(response.text[:200].split())
