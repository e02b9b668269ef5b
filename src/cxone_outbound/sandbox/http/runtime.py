"""The running sandbox: the store plus what lives only in memory (limiter, faults, counters)."""

from __future__ import annotations

import time
from pathlib import Path

from cxone_outbound.sandbox.admin.drift import Drifts
from cxone_outbound.sandbox.http.counters import Counters
from cxone_outbound.sandbox.http.delivery import Dispatcher
from cxone_outbound.sandbox.http.faults import FaultInjector, parse_fault_spec
from cxone_outbound.sandbox.http.import_worker import ImportWorker
from cxone_outbound.sandbox.http.ratelimit import RateLimiter
from cxone_outbound.sandbox.options import SandboxOptions
from cxone_outbound.sandbox.store.backend import Store


class Sandbox:
    """Everything one server holds. Built once per process, reset by `/sandbox/reset`."""

    def __init__(self, options: SandboxOptions, db_path: Path) -> None:
        self.options = options
        self.store = Store(db_path)
        self.limiter = RateLimiter(options.rate_limit, options.burst,
                                   headers=options.rate_headers)
        self.faults = FaultInjector(parse_fault_spec(options.faults), time.monotonic)
        self.counters = Counters()
        self.drifts = Drifts()  # admin reply shapes changed on purpose (POST /sandbox/drift)
        self.dispatcher = Dispatcher(self.store.webhooks, time.time)
        self.store.db.sink = self.dispatcher.publish
        self.worker = ImportWorker(self.store.imports, options.import_rows_per_s)
        self.token_ttl = options.token_ttl
        if options.seed_contacts and not self.store.contacts.writes_map(
                self.store.default_list_id("demo")):
            self.store.seed_contacts("demo", None, options.seed_contacts, mix="mixed")
        if options.seed_contacts:
            self.store.seed_campaign("demo")

    async def start(self) -> None:
        await self.dispatcher.start()
        self.worker.start()

    async def stop(self) -> None:
        await self.worker.stop()
        await self.dispatcher.stop()
        self.store.close()

    def set_faults(self, spec: str) -> None:
        self.faults = FaultInjector(parse_fault_spec(spec), time.monotonic)

    def reset(self) -> None:
        """Back to a fresh start: data, counters, rate limit, faults, drifts, token lifetime and
        the idempotency keys' TTL and clock."""
        self.store.reset()
        self.worker.imports = self.store.imports
        self.counters.reset()
        self.limiter.configure(self.options.rate_limit, self.options.burst,
                               headers=self.options.rate_headers)
        self.set_faults(self.options.faults)
        self.drifts.clear()
        self.token_ttl = self.options.token_ttl
        self.store.idempotency.reset()
        self.dispatcher.invalidate()
