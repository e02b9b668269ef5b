"""Resolving refused atomic batches: set aside who is named, bisect otherwise."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxone_outbound.engine.resolution import BatchResolution, RefusalDetail


def resolution(ids: list[str]) -> BatchResolution[str]:
    return BatchResolution(ids, contact_id_of=lambda c: c)


def drive(res: BatchResolution[str], bad: set[str], *, with_details: bool) -> list[list[str]]:
    """Play an atomic server: a batch with any bad contact is refused whole."""
    sent: list[list[str]] = []
    while (batch := res.next_batch()) is not None:
        sent.append(list(batch))
        offenders = [c for c in batch if c in bad]
        if not offenders:
            res.applied(batch)
        elif with_details:
            res.refused(
                batch, [RefusalDetail(c, "attributes.score", "TYPE_MISMATCH") for c in offenders]
            )
        else:
            res.refused(batch, [], "INVALID_ATTRIBUTE")
    return sent


def test_a_clean_batch_is_sent_once_and_applied() -> None:
    res = resolution(["a", "b", "c"])
    assert drive(res, set(), with_details=True) == [["a", "b", "c"]]
    assert res.applied_items == ["a", "b", "c"] and res.failed == []


def test_named_contacts_are_set_aside_with_their_reason_and_the_rest_resent() -> None:
    res = resolution(["a", "b", "c", "d"])
    assert drive(res, {"c"}, with_details=True) == [["a", "b", "c", "d"], ["a", "b", "d"]]
    assert res.applied_items == ["a", "b", "d"]
    assert [(f.item, f.reason) for f in res.failed] == [
        ("c", "refused by the server: TYPE_MISMATCH (attributes.score)")
    ]


def test_several_details_for_one_contact_are_joined_in_its_reason() -> None:
    res = resolution(["a", "b"])
    batch = res.next_batch()
    assert batch is not None
    res.refused(
        batch, [RefusalDetail("b", "x", "UNKNOWN_ATTRIBUTE"), RefusalDetail("b", None, "NOT_FOUND")]
    )
    assert res.failed[0].reason == "refused by the server: UNKNOWN_ATTRIBUTE (x); NOT_FOUND"
    assert [d.code for d in res.failed[0].details] == ["UNKNOWN_ATTRIBUTE", "NOT_FOUND"]


def test_without_details_the_batch_is_bisected_down_to_the_bad_contact() -> None:
    res = resolution(["a", "b", "c", "d"])
    sent = drive(res, {"d"}, with_details=False)
    assert sent == [["a", "b", "c", "d"], ["a", "b"], ["c", "d"], ["c"], ["d"]]
    assert res.applied_items == ["a", "b", "c"]
    assert [(f.item, f.reason) for f in res.failed] == [
        ("d", "refused by the server: INVALID_ATTRIBUTE")
    ]


def test_details_naming_no_contact_of_the_batch_fall_back_to_bisection() -> None:
    res = resolution(["a", "b"])
    batch = res.next_batch()
    assert batch is not None
    res.refused(batch, [RefusalDetail(None, "contacts", "TOO_MANY")])
    assert res.next_batch() == ["a"]


def test_an_unproven_answer_fails_the_whole_batch() -> None:
    res = resolution(["a", "b"])
    batch = res.next_batch()
    assert batch is not None
    res.uncertain(batch, "processedCount 1 != batch size 2")
    assert res.done and [f.item for f in res.failed] == ["a", "b"]


def test_reporting_on_a_batch_that_was_not_handed_out_is_an_error() -> None:
    res = resolution(["a"])
    with pytest.raises(RuntimeError):
        res.applied(["a"])


def test_detail_from_json_reads_the_contract_fields() -> None:
    d = RefusalDetail.from_json(
        {"contactId": "c-1", "field": "attributes.vip", "code": "TYPE_MISMATCH"}
    )
    assert d == RefusalDetail("c-1", "attributes.vip", "TYPE_MISMATCH")


@given(
    st.integers(min_value=1, max_value=64).flatmap(
        lambda n: st.tuples(st.just(n), st.sets(st.integers(min_value=0, max_value=n - 1)))
    ),
    st.booleans(),
)
def test_every_contact_ends_applied_or_failed_exactly_once(
    case: tuple[int, set[int]], with_details: bool
) -> None:
    n, bad_idx = case
    ids = [f"c{i}" for i in range(n)]
    bad = {ids[i] for i in bad_idx}
    res = resolution(ids)
    sent = drive(res, bad, with_details=with_details)
    assert sorted(res.applied_items) == sorted(set(ids) - bad)
    assert sorted(f.item for f in res.failed) == sorted(bad)
    # Bounded work: with details one retry per refusal; bisection is O(bad * log n).
    assert len(sent) <= 2 * n
