"""The diff a plan shows, and the 3-way merge an apply does after a 412."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from cxone_outbound.jobs.preview.changes import (
    ABSENT,
    FieldChange,
    desired_body,
    diff,
    rebase,
    render_diff,
)
from cxone_outbound.jobs.preview.config import intent_from_options

CAMPAIGN: dict[str, Any] = {
    "id": "c-1",
    "version": "3",
    "status": "active",
    "name": "Spring",
    "type": "preview",
    "contactLists": [{"id": "l-1", "type": "contactlist"}],
    "dialingRules": {"strategy": "preview", "maxAttempts": 1, "callbackEnabled": False},
    "agentDirectives": [
        {"queueId": "q-1", "skillRequirement": "outbound_preview", "agentCount": 5},
        {"queueId": "q-2", "skillRequirement": "vip", "agentCount": 2},
    ],
    "previewSettings": {"previewDialingMode": "manual", "agentPromptEnabled": True},
}


def edited(campaign: dict[str, Any], section: str, **changes: Any) -> dict[str, Any]:
    copy = {**campaign, section: {**campaign[section], **changes}}
    return copy


def test_the_diff_lists_only_the_fields_that_change() -> None:
    intent = intent_from_options(list_id="l-1", queue_id="q-1", max_attempts=3)
    after = desired_body(CAMPAIGN, intent)
    assert diff(CAMPAIGN, after) == [FieldChange(("dialingRules", "maxAttempts"), 1, 3)]


def test_the_rendered_diff_shows_before_and_after_by_queue() -> None:
    after = desired_body(CAMPAIGN, intent_from_options(queue_id="q-2", agent_count=4))
    assert render_diff(diff(CAMPAIGN, after)) == "~ agentDirectives[q-2].agentCount: 2 -> 4"


def test_a_new_queue_is_shown_as_added_fields() -> None:
    after = desired_body(CAMPAIGN, intent_from_options(queue_id="q-3"))
    rendered = render_diff(diff(CAMPAIGN, after))
    assert '+ agentDirectives[q-3].queueId: "q-3"' in rendered.splitlines()


def test_an_unchanged_configuration_says_so() -> None:
    after = desired_body(CAMPAIGN, intent_from_options(list_id="l-1", queue_id="q-1"))
    assert render_diff(diff(CAMPAIGN, after)).startswith("no changes")


def test_fields_outside_the_configuration_are_never_sent() -> None:
    body = desired_body(CAMPAIGN, intent_from_options(max_attempts=2))
    assert "version" not in body and "status" not in body and "id" not in body


def test_a_rebase_keeps_the_other_writers_change_to_a_different_field() -> None:
    theirs = edited(CAMPAIGN, "previewSettings", agentPromptEnabled=False)
    result = rebase(CAMPAIGN, theirs, intent_from_options(max_attempts=3))
    assert result.conflicts == [] and result.body is not None
    assert result.body["dialingRules"]["maxAttempts"] == 3
    assert result.body["previewSettings"]["agentPromptEnabled"] is False


def test_a_rebase_refuses_when_the_other_writer_changed_the_same_field() -> None:
    theirs = edited(CAMPAIGN, "dialingRules", maxAttempts=5)
    result = rebase(CAMPAIGN, theirs, intent_from_options(max_attempts=3))
    assert result.body is None
    [conflict] = result.conflicts
    assert (conflict.base, conflict.theirs, conflict.ours) == (1, 5, 3)
    assert conflict.describe() == "dialingRules.maxAttempts: was 1, they set 5, we would set 3"


def test_the_same_value_written_by_both_is_not_a_conflict() -> None:
    theirs = edited(CAMPAIGN, "dialingRules", maxAttempts=3)
    result = rebase(CAMPAIGN, theirs, intent_from_options(max_attempts=3))
    assert result.conflicts == [] and result.body is not None


def test_force_makes_our_value_win_a_conflict() -> None:
    theirs = edited(CAMPAIGN, "dialingRules", maxAttempts=5, callbackEnabled=True)
    result = rebase(CAMPAIGN, theirs, intent_from_options(max_attempts=3), force=True)
    assert result.body is not None and len(result.conflicts) == 1
    assert result.body["dialingRules"] == {
        "strategy": "preview",
        "maxAttempts": 3,
        "callbackEnabled": True,
    }


def test_writers_on_different_queues_do_not_conflict() -> None:
    directives = [dict(d) for d in CAMPAIGN["agentDirectives"]]
    directives[1]["agentCount"] = 9
    theirs = {**CAMPAIGN, "agentDirectives": directives}
    result = rebase(CAMPAIGN, theirs, intent_from_options(queue_id="q-1", agent_count=7))
    assert result.body is not None
    counts = {d["queueId"]: d["agentCount"] for d in result.body["agentDirectives"]}
    assert counts == {"q-1": 7, "q-2": 9}


def test_a_queue_removed_by_the_other_writer_conflicts_with_our_edit_of_it() -> None:
    theirs = {**CAMPAIGN, "agentDirectives": CAMPAIGN["agentDirectives"][:1]}
    result = rebase(CAMPAIGN, theirs, intent_from_options(queue_id="q-2", agent_count=4))
    assert [c.path[-1] for c in result.conflicts] == ["queueId", "agentCount"]
    assert all(c.theirs is ABSENT for c in result.conflicts)


_field_values = st.fixed_dictionaries(
    {
        "maxAttempts": st.integers(1, 10),
        "callbackEnabled": st.booleans(),
        "agentPromptEnabled": st.booleans(),
    }
)


@given(ours=_field_values, theirs=_field_values)
def test_a_clean_rebase_never_loses_a_field_either_writer_set(
    ours: dict[str, Any], theirs: dict[str, Any]
) -> None:
    """Ours sets dialing rules, theirs sets the prompt: both always survive."""
    fresh = edited(CAMPAIGN, "previewSettings", agentPromptEnabled=theirs["agentPromptEnabled"])
    intent = intent_from_options(
        max_attempts=ours["maxAttempts"], callback_enabled=ours["callbackEnabled"]
    )
    result = rebase(CAMPAIGN, fresh, intent)
    assert result.body is not None
    assert result.body["dialingRules"]["maxAttempts"] == ours["maxAttempts"]
    assert result.body["dialingRules"]["callbackEnabled"] == ours["callbackEnabled"]
    assert result.body["previewSettings"]["agentPromptEnabled"] == theirs["agentPromptEnabled"]
