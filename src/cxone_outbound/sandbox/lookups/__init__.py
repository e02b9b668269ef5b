"""Twilio Lookup v2's line-type emulation (docs/line-types.md)."""

from cxone_outbound.sandbox.lookups.routes import LOOKUP_ROUTES, ROUTE

__all__ = ["LOOKUP_ROUTES", "ROUTE"]
