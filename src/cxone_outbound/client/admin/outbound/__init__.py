"""The admin dialect's client, a module per resource (see `api`); its public names."""

from __future__ import annotations

from cxone_outbound.client.admin.campaigns import campaign_digest
from cxone_outbound.client.admin.outbound.api import AdminOutboundApi
from cxone_outbound.client.capabilities import ADMIN_CAPABILITIES

__all__ = ["ADMIN_CAPABILITIES", "AdminOutboundApi", "campaign_digest"]
