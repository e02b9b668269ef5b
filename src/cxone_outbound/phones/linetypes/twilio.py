"""Twilio Lookup v2 behind `phones.LineTypeLookup`: carrier line types where offline cannot tell.

libphonenumber types most US and Canadian numbers `fixed_line_or_mobile`; a carrier lookup
knows. The shape relied on, from Twilio's docs (https://www.twilio.com/docs/lookup/v2-api and
https://www.twilio.com/docs/lookup/v2-api/line-type-intelligence):

    GET {base}/v2/PhoneNumbers/{E164}?Fields=line_type_intelligence
    Authorization: Basic base64(account SID ":" auth token)
    200 {"phone_number": "+1...", "valid": true,
         "line_type_intelligence": {"type": "mobile", "error_code": null, "carrier_name": ...}}

`type` is one of mobile, landline, fixedVoip, nonFixedVoip, personal, tollFree, premium,
sharedCost, uan, voicemail, pager, unknown (mapped onto `LineType` below); when the carrier
cannot be asked, `type` is null and `error_code` says why (60601: a Canadian number without
NPAC approval). An invalid number answers `valid: false` and no line type. Errors are
`{"code", "message", "more_info", "status"}`; 429 (code 20429) means slow down.

There is no batch endpoint: a batch is looked up concurrently, under the client's adaptive rate
limiter (CUBIC, Retry-After honoured) and full-jitter retries. Every 200 answer is cached
(`LineTypeCache`), so a re-run pays only for numbers it has not seen within the TTL. A number
the provider could not type keeps its offline classification. Credentials are a `SecretStr`
until the Authorization header is built; they are never logged.
"""

from __future__ import annotations

import asyncio
import base64
import random
from collections.abc import Sequence
from types import TracebackType
from typing import Any
from urllib.parse import quote

import aiohttp

from cxone_outbound.client import errors
from cxone_outbound.client.clock import Clock, SystemClock
from cxone_outbound.client.ratelimit import AdaptiveRateLimiter
from cxone_outbound.client.retry import full_jitter_backoff, parse_retry_after
from cxone_outbound.config import Settings
from cxone_outbound.phones import LineType, PhoneResult
from cxone_outbound.phones.linetypes.cache import Answer, LineTypeCache

__all__ = ["PROVIDER", "TWILIO_TYPES", "TwilioLineTypeLookup", "parse_answer"]

PROVIDER = "twilio"
TWILIO_TYPES: dict[str, LineType] = {
    "mobile": LineType.MOBILE,
    "landline": LineType.FIXED_LINE,
    "fixedVoip": LineType.VOIP,
    "nonFixedVoip": LineType.VOIP,
    "personal": LineType.PERSONAL_NUMBER,
    "tollFree": LineType.TOLL_FREE,
    "premium": LineType.PREMIUM_RATE,
    "sharedCost": LineType.SHARED_COST,
    "uan": LineType.UAN,
    "voicemail": LineType.VOICEMAIL,
    "pager": LineType.PAGER,
    "unknown": LineType.UNKNOWN,
}
RETRYABLE = frozenset({429, 500, 502, 503, 504})


def parse_answer(body: Any) -> Answer:
    """The line type in a Lookup v2 reply (None when the provider could not say)."""
    if not isinstance(body, dict):
        return Answer(None, error_code=None)
    intelligence = body.get("line_type_intelligence")
    if not body.get("valid", True) or not isinstance(intelligence, dict):
        return Answer(None)
    raw = intelligence.get("type")
    code = intelligence.get("error_code")
    code = code if isinstance(code, int) else None
    if not isinstance(raw, str):
        return Answer(None, None, code)
    return Answer(TWILIO_TYPES.get(raw, LineType.UNKNOWN), raw, code)


class TwilioLineTypeLookup:
    """A `phones.LineTypeLookup` over Twilio Lookup v2, cached; `async with` it."""

    max_batch = 500

    def __init__(
        self,
        *,
        base_url: str,
        account_sid: str,
        auth_token: Any,  # a pydantic SecretStr: the value is read only to sign requests
        cache: LineTypeCache | None = None,
        max_rate: float = 20.0,
        concurrency: int = 8,
        max_attempts: int = 6,
        timeout_s: float = 30.0,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        credentials = f"{account_sid}:{auth_token.get_secret_value()}".encode()
        self._headers = {"Authorization": "Basic " + base64.b64encode(credentials).decode()}
        self.cache = cache
        self.clock = clock or SystemClock()
        self.rng = rng or random.Random()
        self.limiter = AdaptiveRateLimiter(max_rate, concurrency, self.clock)
        self.max_attempts = max_attempts
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self.requests = 0  # HTTP attempts made (each one may be billed)
        self.cache_hits = 0
        self.throttled = 0

    @classmethod
    def from_settings(
        cls, settings: Settings, cache: LineTypeCache | None, **kw: Any
    ) -> TwilioLineTypeLookup:
        return cls(
            base_url=settings.effective_lookup_url,
            account_sid=settings.lookup_account_sid,
            auth_token=settings.lookup_auth_token,
            cache=cache,
            max_rate=settings.lookup_max_rate,
            concurrency=settings.lookup_concurrency,
            **kw,
        )

    async def __aenter__(self) -> TwilioLineTypeLookup:
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def line_types(self, numbers: Sequence[PhoneResult]) -> list[LineType]:
        """One type per number, in order: cached answers, then the rest asked concurrently."""
        distinct = list(dict.fromkeys(n.e164 for n in numbers if n.e164))
        known = self.cache.get_many(PROVIDER, distinct) if self.cache is not None else {}
        self.cache_hits += len(known)
        missing = [e164 for e164 in distinct if e164 not in known]
        fetched = await asyncio.gather(*(self._fetch(e) for e in missing),
                                       return_exceptions=True)
        answers = {e: a for e, a in zip(missing, fetched, strict=True) if isinstance(a, Answer)}
        if self.cache is not None and answers:
            self.cache.put_many(PROVIDER, answers)  # what was paid for is kept even on error
        for outcome in fetched:
            if isinstance(outcome, BaseException):
                raise outcome
        known |= answers
        out: list[LineType] = []
        for number in numbers:
            answer = known.get(number.e164 or "")
            out.append(answer.line_type if answer and answer.line_type else number.line_type)
        return out

    async def _fetch(self, e164: str) -> Answer:
        if self._session is None:
            raise RuntimeError("use `async with TwilioLineTypeLookup(...)`")
        url = f"{self.base_url}/v2/PhoneNumbers/{quote(e164)}"
        for attempt in range(1, self.max_attempts + 1):
            sent_at = await self.limiter.acquire()
            self.requests += 1
            try:
                async with self._session.get(
                    url, params={"Fields": "line_type_intelligence"}, headers=self._headers
                ) as response:
                    status = response.status
                    headers = dict(response.headers)
                    body = await response.json(content_type=None) if status == 200 else None
            except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
                self.limiter.release()
                if attempt == self.max_attempts:
                    raise errors.TransportError(f"line-type lookup: no answer ({exc})") from None
                await self.clock.sleep(full_jitter_backoff(attempt, self.rng, base=0.5, cap=20))
                continue
            self.limiter.release()
            retry_after = parse_retry_after(headers.get("Retry-After"))
            self.limiter.on_response(sent_at, throttled=status == 429, retry_after=retry_after,
                                     headers=headers)
            if status == 200:
                return parse_answer(body)
            if status in (401, 403):
                raise errors.ConfigurationError(
                    f"the line-type lookup at {self.base_url} refused the credentials "
                    f"(HTTP {status}): check lookup_account_sid and lookup_auth_token"
                )
            if status == 404:
                return Answer(None, error_code=20404)
            if status not in RETRYABLE:
                raise errors.ServerError(f"line-type lookup answered HTTP {status}",
                                         status=status)
            if status == 429:
                self.throttled += 1
            if attempt == self.max_attempts:
                kind = errors.RateLimited if status == 429 else errors.ServerError
                raise kind(f"line-type lookup still answering HTTP {status} after "
                           f"{attempt} attempts", status=status)
            backoff = full_jitter_backoff(attempt, self.rng, base=0.5, cap=20)
            await self.clock.sleep(max(backoff, retry_after or 0.0))
        raise AssertionError("unreachable")  # pragma: no cover
