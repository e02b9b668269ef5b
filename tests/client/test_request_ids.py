"""X-Request-Id values: UUID4-formatted, never repeated, not even by a forked child."""

from __future__ import annotations

import uuid

from cxone_outbound.client import transport
from cxone_outbound.client.transport import new_request_id


def test_request_ids_are_version_4_uuids() -> None:
    parsed = uuid.UUID(new_request_id())
    assert (parsed.version, parsed.variant) == (4, uuid.RFC_4122)


def test_request_ids_do_not_repeat() -> None:
    ids = [new_request_id() for _ in range(100_000)]
    assert len(set(ids)) == len(ids)


def test_a_forked_child_reseeds_to_a_new_prefix() -> None:
    """`_reseed_ids` is what `os.register_at_fork` runs in a child."""
    before = new_request_id()
    transport._reseed_ids()
    assert new_request_id()[:24] != before[:24]
