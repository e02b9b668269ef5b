"""The `admin` dialect: a real tenant's ACD Admin API (CXONE-REAL.md, docs/real-tenant.md).

`AdminSession` logs in with an access key, discovers the API host and calls versioned paths;
`AdminOutboundApi` maps the jobs' interface (`client.dialect.OutboundApi`) onto it.
"""

from __future__ import annotations

from cxone_outbound.client.admin.discovery import Discovery, DiscoveryCache
from cxone_outbound.client.admin.session import AdminSession

__all__ = ["AdminSession", "Discovery", "DiscoveryCache"]
