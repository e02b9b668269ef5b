"""`/lookups/v2/PhoneNumbers/{number}`: an emulation of Twilio Lookup v2's line type answer.

Shape from Twilio's public docs (https://www.twilio.com/docs/lookup/v2-api and
.../v2-api/line-type-intelligence): `GET /v2/PhoneNumbers/{E164}?Fields=line_type_intelligence`
with HTTP Basic auth (account SID : auth token) answers

    {"calling_country_code": "1", "country_code": "US", "phone_number": "+14155552671",
     "national_format": "(415) 555-2671", "valid": true, "validation_errors": [],
     "line_type_intelligence": {"carrier_name": "...", "mobile_country_code": "310",
                                "mobile_network_code": "456", "type": "mobile",
                                "error_code": null},
     "url": "https://lookups.twilio.com/v2/PhoneNumbers/+14155552671"}

`type` is one of mobile, landline, fixedVoip, nonFixedVoip, personal, tollFree, premium,
sharedCost, uan, voicemail, pager, unknown; on failure `type` is null and `error_code` set
(60601: a Canadian number without NPAC approval). An invalid number answers `valid: false` and
no line type. Errors are `{"code", "message", "more_info", "status"}` (401 code 20003, 429 code
20429).

Deterministic per number, so tests and the demo know the answer: US toll-free area codes
(800, 833, 844, 855, 866, 877, 888) are `tollFree`, Canadian area codes give error 60601, and
any other number is typed by its last digit: 0-4 mobile, 5-6 landline, 7 fixedVoip,
8 nonFixedVoip, 9 voicemail. The sandbox's rate limit (`PUT /sandbox/rate-limit`) applies, with
a 429 (code 20429) and `Retry-After`; faults (`error@GET:/lookups/*=0.1:503`, `storm`) too.
"""

from __future__ import annotations

import base64
import hmac
import uuid

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cxone_outbound.sandbox.http.endpoint import JSON, apply_faults

LOOKUP_ACCOUNT_SID = "ACsandbox"  # the sandbox's documented demo lookup credentials
LOOKUP_AUTH_TOKEN = "demo-lookup-token"  # noqa: S105 - a documented demo credential
ROUTE = "GET /lookups/v2/PhoneNumbers/{number}"  # the counters' name

_TOLL_FREE = frozenset({"800", "833", "844", "855", "866", "877", "888"})
_CANADA = frozenset(str(area) for area in (
    204, 226, 236, 249, 250, 289, 306, 343, 365, 403, 416, 418, 431, 437, 438, 450, 506, 514,
    519, 548, 579, 581, 587, 604, 613, 639, 647, 672, 705, 709, 742, 778, 780, 782, 807, 819,
    825, 867, 873, 902, 905,
))
_BY_LAST_DIGIT = ("mobile",) * 5 + ("landline",) * 2 + ("fixedVoip", "nonFixedVoip", "voicemail")


def line_type_of(e164: str) -> tuple[str | None, int | None]:
    """The emulated (type, error_code) of a valid-looking E.164 number."""
    if e164.startswith("+1") and len(e164) == 12:
        area = e164[2:5]
        if area in _TOLL_FREE:
            return "tollFree", None
        if area in _CANADA:
            return None, 60601
    return _BY_LAST_DIGIT[int(e164[-1])], None


def _error(status: int, code: int, message: str, retry_after: int | None = None) -> Response:
    body = {"code": code, "message": message, "status": status,
            "more_info": f"https://www.twilio.com/docs/errors/{code}"}
    headers = {"X-Request-Id": uuid.uuid4().hex}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return Response(orjson.dumps(body), status, headers, media_type=JSON)


def _authorised(header: str | None) -> bool:
    if not header or not header.lower().startswith("basic "):
        return False
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return False
    return hmac.compare_digest(user, LOOKUP_ACCOUNT_SID) and hmac.compare_digest(
        password, LOOKUP_AUTH_TOKEN)


async def phone_number(request: Request) -> Response:
    sandbox = request.app.state.sandbox
    verdict, dropped = await apply_faults(sandbox, request, ROUTE)
    if dropped is not None:
        return dropped
    if verdict.error_status is not None or verdict.storm_retry_after is not None:
        status = verdict.error_status or 429
        sandbox.counters.count(ROUTE, status)
        if status == 429:
            return _error(429, 20429, "Too Many Requests")
        return _error(status, 20500, "Internal Server Error")
    if not _authorised(request.headers.get("authorization")):
        sandbox.counters.count(ROUTE, 401)
        return _error(401, 20003, "Authenticate")
    decision = sandbox.limiter.take(f"lookups:{LOOKUP_ACCOUNT_SID}")  # the sandbox's rate limit
    if decision is not None and not decision.allowed:
        sandbox.counters.count(ROUTE, 429)
        return _error(429, 20429, "Too Many Requests", max(1, decision.retry_after_s))
    number = request.path_params["number"].strip()
    digits = number.removeprefix("+")
    sandbox.counters.count(ROUTE, 200)
    body: dict[str, object] = {"phone_number": number, "valid": False,
                               "validation_errors": ["INVALID_COUNTRY_CODE"],
                               "line_type_intelligence": None,
                               "url": f"https://lookups.twilio.com/v2/PhoneNumbers/{number}"}
    if number.startswith("+") and digits.isdigit() and 8 <= len(number) <= 16:
        wanted = "line_type_intelligence" in request.query_params.get("Fields", "")
        kind, error = line_type_of(number)
        body |= {"valid": True, "validation_errors": [],
                 "calling_country_code": "1" if number.startswith("+1") else digits[:2]}
        if wanted:
            body["line_type_intelligence"] = {
                "type": kind, "error_code": error, "carrier_name": None,
                "mobile_country_code": None, "mobile_network_code": None,
            }
    return Response(orjson.dumps(body), 200, {"X-Request-Id": uuid.uuid4().hex},
                    media_type=JSON)


LOOKUP_ROUTES = [Route("/lookups/v2/PhoneNumbers/{number}", phone_number, methods=["GET"])]
