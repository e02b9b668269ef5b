"""Specification of the sanitise plan: decisions per contact, duplicates, guard, serialisation."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from cxone_outbound.jobs.sanitize.plan import (
    DUPLICATE,
    Action,
    Plan,
    PlanError,
    PurgeGuardError,
    check_purge_guard,
    list_fingerprint,
)
from cxone_outbound.jobs.sanitize.prepare import make_plan
from cxone_outbound.phones import LineType, PhoneNormalizer, PhonePolicy, PhoneResult


def _screen(policy: PhonePolicy | None = None, region: str = "US") -> Callable[[str], PhoneResult]:
    normalise = PhoneNormalizer(region)
    judge = policy or PhonePolicy()

    def screen(raw: str) -> PhoneResult:
        return judge.judge(normalise(raw))

    return screen


def _plan(contacts: list[tuple[str, str | None]], policy: PhonePolicy | None = None) -> Plan:
    return make_plan("list-1", contacts, _screen(policy), {"default_region": "US"})


def test_each_contact_gets_one_action_with_its_id() -> None:
    plan = _plan([("a", "+12125550101"), ("b", "(212) 555-0102"), ("c", "junk")])
    assert [(e.contact_id, e.action) for e in plan.entries] == [
        ("a", Action.UNCHANGED),
        ("b", Action.NORMALISE),
        ("c", Action.PURGE),
    ]
    assert plan.entries[1].e164 == "+12125550102"
    assert plan.entries[2].reason == "not_a_number"


def test_same_raw_phone_on_two_contacts_keeps_both_ids_apart() -> None:
    # the seed matched results back by phone; two contacts with one raw phone must not merge
    plan = _plan([("a", "junk"), ("b", "junk")])
    assert [e.contact_id for e in plan.to_purge] == ["a", "b"]


def test_duplicates_after_normalisation_keep_the_contact_already_in_e164() -> None:
    plan = _plan([("a", "(212) 555-0101"), ("b", "+12125550101"), ("c", "212.555.0101")])
    actions = {e.contact_id: (e.action, e.reason, e.duplicate_of) for e in plan.entries}
    assert actions == {
        "a": (Action.PURGE, DUPLICATE, "b"),
        "b": (Action.UNCHANGED, None, None),
        "c": (Action.PURGE, DUPLICATE, "b"),
    }
    assert plan.counts()["duplicate_groups"] == 1


def test_duplicates_without_an_e164_original_keep_the_first_in_list_order() -> None:
    plan = _plan([("a", "(212) 555-0101"), ("b", "212.555.0101")])
    assert [(e.contact_id, e.action) for e in plan.entries] == [
        ("a", Action.NORMALISE),
        ("b", Action.PURGE),
    ]


def test_counts_group_purges_by_reason() -> None:
    policy = PhonePolicy(
        allowed_regions=frozenset({"US", "CA"}), blocked_line_types=frozenset({LineType.TOLL_FREE})
    )
    plan = _plan(
        [
            ("a", "+12125550101"),
            ("b", "+442079460958"),
            ("c", "1-800-555-0123"),
            ("d", None),
            ("e", "2125550101"),
        ],
        policy,
    )
    assert plan.counts() == {
        "total": 5,
        "unchanged": 1,
        "normalise": 0,
        "purge": 4,
        "purge_by_reason": {
            "blocked_line_type": 1,
            "duplicate": 1,
            "not_a_number": 1,
            "region_not_allowed": 1,
        },
        "duplicates": 1,
        "duplicate_groups": 1,
    }


def test_samples_hold_a_few_of_each_kind() -> None:
    plan = _plan([(str(i), f"junk {i}") for i in range(20)] + [("n", "(212) 555-0101")])
    samples = plan.samples(per_group=3)
    assert [s["contact_id"] for s in samples["purge:not_a_number"]] == ["0", "1", "2"]
    assert samples["normalise"][0]["e164"] == "+12125550101"


def test_plan_round_trips_through_json() -> None:
    plan = _plan([("a", "+12125550101"), ("b", "(212) 555-0102"), ("c", "junk")])
    again = Plan.loads(plan.dumps())
    assert again.entries == plan.entries
    assert again.fingerprint() == plan.fingerprint()


def test_an_edited_plan_is_refused() -> None:
    plan = _plan([("a", "junk"), ("b", "+12125550101")])
    data = json.loads(plan.dumps())
    data["entries"][1]["action"] = "purge"
    data["entries"][1]["reason"] = "not_a_number"
    with pytest.raises(PlanError, match="fingerprint"):
        Plan.from_json(data)


@pytest.mark.parametrize("text", ["not json", "[]", '{"version": 99}', '{"version": 1}'])
def test_a_file_that_is_not_a_plan_is_refused(text: str) -> None:
    with pytest.raises(PlanError):
        Plan.loads(text)


def test_list_fingerprint_ignores_order_and_sees_a_phone_change() -> None:
    first = list_fingerprint([("a", "1"), ("b", "2")])
    assert first == list_fingerprint([("b", "2"), ("a", "1")])
    assert first != list_fingerprint([("a", "1"), ("b", "3")])
    assert first != list_fingerprint([("a", "1")])


def test_purge_guard_refuses_more_than_the_limit() -> None:
    plan = _plan([("a", "junk"), ("b", "+12125550101"), ("c", "+12125550102")])
    with pytest.raises(PurgeGuardError, match=r"33\.3 %"):
        check_purge_guard(plan, 20, force=False)


def test_purge_guard_lets_force_through() -> None:
    plan = _plan([("a", "junk")])
    check_purge_guard(plan, 20, force=True)


def test_purge_guard_allows_a_share_at_the_limit() -> None:
    plan = _plan([("a", "junk")] + [(str(i), f"+1212555{i:04d}") for i in range(4)])
    check_purge_guard(plan, 20, force=False)


def test_empty_list_plans_nothing_and_passes_the_guard() -> None:
    plan = _plan([])
    assert plan.counts()["total"] == 0
    check_purge_guard(plan, 0, force=False)
