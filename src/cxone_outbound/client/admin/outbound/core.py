"""`AdminCore`: what every part of the admin client shares — the session, the state kept
between calls, event delivery, and a list's mapping, counters and creation."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from cxone_outbound.client.admin import contract
from cxone_outbound.client.admin.discovery import DiscoveryCache
from cxone_outbound.client.admin.events import EventDelivery, LocalWebhooks
from cxone_outbound.client.admin.lists import ListCounters, list_counters, list_skill
from cxone_outbound.client.admin.mappings import MappingStore, resolve
from cxone_outbound.client.admin.outbound.store import DownloadedLists
from cxone_outbound.client.admin.places import SeenPlaces
from cxone_outbound.client.admin.records import ListColumns
from cxone_outbound.client.admin.session import AdminSession
from cxone_outbound.client.admin.upload_poll import UploadPollPolicy
from cxone_outbound.client.api import seg
from cxone_outbound.client.auth import AccessToken
from cxone_outbound.client.capabilities import ADMIN_CAPABILITIES, Capabilities
from cxone_outbound.client.clock import Clock
from cxone_outbound.client.errors import CXoneError
from cxone_outbound.client.events import RequestObserver
from cxone_outbound.client.models import ImportJob, ListSchema, SchemaField
from cxone_outbound.client.transport import new_idempotency_key
from cxone_outbound.config import Settings
from cxone_outbound.lifecycle import AsyncResource


class AdminCore(AsyncResource):
    """The session and the state the admin client's parts share (see `AdminOutboundApi`).

    `scratch` is where the lists it downloads are kept on disk (a temporary folder if None);
    they are removed on `close`.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        observer: RequestObserver | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        cache: DiscoveryCache | None = None,
        webhooks: LocalWebhooks | None = None,
        poll: UploadPollPolicy | None = None,
        mappings: MappingStore | None = None,
        scratch: Path | None = None,
    ) -> None:
        self.settings = settings
        self.poll = poll or UploadPollPolicy()  # pacing of upload-job polls
        self.session = AdminSession(settings, observer=observer, clock=clock, rng=rng, cache=cache)
        self._webhooks = webhooks
        self._delivery: EventDelivery | None = None
        self.mappings = mappings or MappingStore()
        self._columns: dict[str, ListColumns] = {}  # list id -> its column mapping
        # list id -> external id -> record and download position, on disk (issue 15)
        self._downloaded = DownloadedLists(scratch)
        self._places = SeenPlaces(scratch)  # where read-backs saw records (admin/places.py)
        self._finished: dict[str, ImportJob] = {}  # import job id -> its verified outcome
        self._uploading: dict[str, asyncio.Lock] = {}  # one upload at a time per list
        self._skills: dict[str, int | None] = {}  # list id -> its skill, as the list says
        self.verified = 0  # row outcomes read back from the list (the summary shows them)
        self._jobs: dict[str, str] = {}  # upload job id -> list id
        self._announced: set[str] = set()  # import jobs whose completion was delivered
        self._downloads: dict[str, asyncio.Lock] = {}  # workers share one download per list

    @property
    def capabilities(self) -> Capabilities:
        return ADMIN_CAPABILITIES

    async def open(self) -> None:
        """Log in and discover the API host; events are delivered from here on."""
        await self.session.open()
        if self._delivery is None:
            scope = self.session.discovery.api_endpoint if self.session.discovery else "admin"
            hooks = self._webhooks or LocalWebhooks(scope)
            self._webhooks = hooks
            self._delivery = EventDelivery(hooks, self.session.clock)

    async def close(self) -> None:
        if self._delivery is not None:
            await self._delivery.close()
            self._delivery = None
        self._downloaded.close()
        self._places.close()
        await self.session.close()

    async def fetch_token(self) -> AccessToken:
        return await self.session.fetch_token()

    # -- plumbing --------------------------------------------------------------------------
    async def _json(self, method: str, resource: str, path: str, **kw: Any) -> Any:
        response = await self.session.request(method, resource, path, **kw)
        try:
            return response.json()
        except orjson.JSONDecodeError as exc:
            raise CXoneError(f"{method} {path}: the answer is not JSON") from exc

    async def _emit(self, event: str, data: dict[str, Any]) -> None:
        if self._delivery is not None:
            await self._delivery.emit(event, data)

    # -- lists -----------------------------------------------------------------------------
    def _tenant(self) -> str:
        found = self.session.discovery
        return (found.tenant_id if found else None) or self.settings.tenant_id or (
            found.api_endpoint if found else self.settings.base_url)

    async def create_list(self, name: str, attributes: Sequence[str] = ()) -> str:
        """A calling list, its mapping remembered (the tenant will not return it): external id,
        phone, first and last name and time zone as S1's query and body name them; email and
        `attributes` travel as further columns of the file under their own names."""
        columns = ListColumns(email="Email", time_zone="TimeZone",
                              attributes=frozenset(attributes))
        params = {"listName": name, "externalIdColumn": columns.external_id,
                  "firstNameColumn": str(columns.first_name),
                  "lastNameColumn": str(columns.last_name),
                  "timeZoneColumn": str(columns.time_zone)}
        body = {"destinationMappings": [{"fieldName": "PhoneNumber",
                                         "fieldValue": columns.phone}]}
        answer = await self._json("POST", "lists", "lists/call-lists", params=params, json=body,
                                  idempotency_key=new_idempotency_key())
        list_id = contract.read(contract.CREATE_LIST, answer)["listId"]
        if not isinstance(list_id, int) or isinstance(list_id, bool):
            raise contract.SchemaDrift(contract.CREATE_LIST.endpoint, expected={"listId"},
                                       seen=answer, where="listId (not an integer)")
        self.mappings.put(self._tenant(), str(list_id), columns)
        return str(list_id)

    async def _list_columns(self, list_id: str) -> ListColumns:
        """The list's column mapping: remembered or configured, else refused before sending."""
        if list_id not in self._columns:
            self._columns[list_id] = resolve(self.mappings, self._tenant(), list_id,
                                             self.settings.list_columns)
        return self._columns[list_id]

    async def _list(self, list_id: str) -> Any:
        """`GET /lists/call-lists/{id}` without records (the counters and skills)."""
        return await self._json("GET", "lists", f"lists/call-lists/{seg(list_id)}",
                                params={"finalized": "false", "includeRecords": "false"})

    async def _counters(self, list_id: str) -> ListCounters:
        body = await self._list(list_id)
        if list_id not in self._skills:
            self._skills[list_id] = list_skill(body)
        return list_counters(body)

    async def get_list_schema(self, list_id: str) -> ListSchema:
        """No schema is published for a calling list (`capabilities.list_schema` is False): the
        attributes its mapping carries, as strings."""
        columns = await self._list_columns(list_id)
        names = sorted(columns.attributes or ())
        return ListSchema(fields=[SchemaField(name=n) for n in names])
