"""The CXone API client core: auth, retries, adaptive rate limiting, every endpoint.

`async with CXoneClient(settings) as client: ...` is the way in; errors are `client.errors`.
"""

from __future__ import annotations

from cxone_outbound.client.api import CXoneClient
from cxone_outbound.client.auth import AccessToken, TokenProvider
from cxone_outbound.client.clock import Clock, FakeClock, SystemClock
from cxone_outbound.client.errors import (
    AuthError,
    ConfigurationError,
    Conflict,
    CXoneError,
    IdempotencyKeyReused,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    PreconditionFailed,
    PreconditionRequired,
    RateLimited,
    ServerError,
    TransportError,
    ValidationError,
)
from cxone_outbound.client.events import RequestEvent, RequestObserver
from cxone_outbound.client.models import (
    BatchUpdateResult,
    Campaign,
    CampaignUpdate,
    Contact,
    ContactList,
    EnrichmentItem,
    EnrichmentResult,
    ImportJob,
    ListSchema,
    RefreshResult,
    RowError,
    SchemaField,
    Suppression,
    Webhook,
)
from cxone_outbound.client.transport import Response

__all__ = [
    "AccessToken",
    "AuthError",
    "BatchUpdateResult",
    "CXoneClient",
    "CXoneError",
    "Campaign",
    "CampaignUpdate",
    "Clock",
    "ConfigurationError",
    "Conflict",
    "Contact",
    "ContactList",
    "EnrichmentItem",
    "EnrichmentResult",
    "FakeClock",
    "IdempotencyKeyReused",
    "ImportJob",
    "ListSchema",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "PreconditionFailed",
    "PreconditionRequired",
    "RateLimited",
    "RefreshResult",
    "RequestEvent",
    "RequestObserver",
    "Response",
    "RowError",
    "SchemaField",
    "ServerError",
    "Suppression",
    "SystemClock",
    "TokenProvider",
    "TransportError",
    "ValidationError",
    "Webhook",
]
