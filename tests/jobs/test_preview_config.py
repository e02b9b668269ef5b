"""The preview configuration: what is valid, and how flags and files become an intent."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxone_outbound.jobs.preview.config import (
    PreviewConfigError,
    intent_from_mapping,
    intent_from_options,
    intent_from_toml,
    merge_intents,
    split_intent,
    unheld_labels,
    validate_body,
)

MINIMAL = {
    "name": "Spring",
    "contactLists": [{"id": "list-1"}],
    "agentDirectives": [{"queueId": "q-1"}],
}


def test_a_minimal_body_is_completed_with_defaults() -> None:
    body = validate_body(MINIMAL)
    assert body["type"] == "preview"
    assert body["dialingRules"] == {
        "strategy": "preview",
        "maxAttempts": 1,
        "callbackEnabled": False,
    }
    assert body["previewSettings"] == {"previewDialingMode": "manual", "agentPromptEnabled": True}
    assert body["agentDirectives"] == [
        {"queueId": "q-1", "skillRequirement": "outbound_preview", "agentCount": 1}
    ]
    assert body["contactLists"] == [{"id": "list-1", "type": "contactlist"}]


def test_fields_the_server_holds_that_we_do_not_manage_are_kept() -> None:
    body = validate_body({**MINIMAL, "dialingRules": {"maxAttempts": 2, "retryDelayMinutes": 30}})
    assert body["dialingRules"]["retryDelayMinutes"] == 30


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"dialingRules": {"maxAttempts": 0}}, "dialingRules.maxAttempts"),
        ({"dialingRules": {"maxAttempts": "3"}}, "dialingRules.maxAttempts"),
        ({"dialingRules": {"strategy": "predictive"}}, "dialingRules.strategy"),
        ({"type": "progressive"}, "type"),
        ({"name": ""}, "name"),
        ({"contactLists": []}, "contactLists"),
        ({"agentDirectives": [{"queueId": "q", "agentCount": 0}]}, "agentDirectives.0.agentCount"),
        ({"previewSettings": {"previewDialingMode": "timed"}}, "needs previewTimeoutSeconds"),
        ({"agentDirectives": [{"queueId": "q"}, {"queueId": "q"}]}, "more than one agent"),
    ],
)
def test_an_invalid_body_is_refused_naming_the_field(
    change: dict[str, object], complaint: str
) -> None:
    with pytest.raises(PreviewConfigError, match=complaint.replace(".", r"\.")):
        validate_body({**MINIMAL, **change})


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(PreviewConfigError) as caught:
        validate_body({**MINIMAL, "name": "", "dialingRules": {"maxAttempts": 99}})
    assert len(str(caught.value).splitlines()) == 2


def test_options_name_only_the_fields_given() -> None:
    intent = intent_from_options(list_id="l-1", queue_id="q-1", max_attempts=3)
    assert intent == {
        ("type",): "preview",
        ("contactLists",): [{"id": "l-1", "type": "contactlist"}],
        ("dialingRules", "maxAttempts"): 3,
        ("agentDirectives", "q-1", "queueId"): "q-1",
    }


def test_skill_without_a_queue_is_refused() -> None:
    with pytest.raises(PreviewConfigError, match="need --queue"):
        intent_from_options(skill="vip")


def test_a_toml_file_becomes_an_intent(tmp_path: Path) -> None:
    path = tmp_path / "preview.toml"
    path.write_text(
        'name = "Spring"\n'
        "[dialing_rules]\nmax_attempts = 2\ncallbackEnabled = true\n"
        '[[agentDirectives]]\nqueueId = "q-9"\nagentCount = 4\n'
    )
    assert intent_from_toml(path) == {
        ("name",): "Spring",
        ("dialingRules", "maxAttempts"): 2,
        ("dialingRules", "callbackEnabled"): True,
        ("agentDirectives", "q-9", "queueId"): "q-9",
        ("agentDirectives", "q-9", "agentCount"): 4,
    }


def test_a_misspelt_key_is_refused_with_a_suggestion() -> None:
    with pytest.raises(PreviewConfigError, match=r"did you mean dialingRules\.maxAttempts"):
        intent_from_mapping({"dialingRules": {"maxAtempts": 2}})


def test_a_directive_without_a_queue_is_refused() -> None:
    with pytest.raises(PreviewConfigError, match="needs a queueId"):
        intent_from_mapping({"agentDirectives": [{"agentCount": 2}]})


def test_a_file_that_is_not_toml_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "preview.toml"
    path.write_text("name = \n")
    with pytest.raises(PreviewConfigError, match="not valid TOML"):
        intent_from_toml(path)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(PreviewConfigError, match="cannot read"):
        intent_from_toml(tmp_path / "absent.toml")


def test_flags_override_the_file() -> None:
    merged = merge_intents({("name",): "file"}, {("name",): "flag"})
    assert merged == {("name",): "flag"}


ADMIN_HELD = frozenset({"name", "type", "status", "description", "dialingRules",
                        "previewSettings"})


def test_where_lists_and_directives_are_not_held_they_are_left_out_of_the_body() -> None:
    body = validate_body({"name": "Spring", "dialingRules": {"maxAttempts": 2}}, held=ADMIN_HELD)
    assert set(body) == {"name", "type", "dialingRules", "previewSettings"}
    assert body["dialingRules"]["maxAttempts"] == 2


def test_an_unheld_field_is_still_no_excuse_for_an_invalid_held_one() -> None:
    with pytest.raises(PreviewConfigError, match=r"dialingRules\.maxAttempts"):
        validate_body({"name": "Spring", "dialingRules": {"maxAttempts": 40}}, held=ADMIN_HELD)


def test_the_list_and_queue_that_only_identify_are_set_aside_where_not_held() -> None:
    intent = intent_from_options(list_id="l-1", queue_id="q-1", max_attempts=3)
    kept, unheld = split_intent(intent, ADMIN_HELD)
    assert kept == {("type",): "preview", ("dialingRules", "maxAttempts"): 3}
    assert unheld_labels(unheld) == ["contactLists", "agentDirectives[q-1]"]


def test_every_field_is_held_when_the_dialect_holds_all() -> None:
    intent = intent_from_options(list_id="l-1", queue_id="q-1", agent_count=3)
    assert split_intent(intent, None) == (intent, [])


def test_a_directive_setting_that_could_never_be_applied_is_refused_by_name() -> None:
    intent = intent_from_options(list_id="l-1", queue_id="q-1", skill="vip", agent_count=3)
    with pytest.raises(PreviewConfigError) as caught:
        split_intent(intent, ADMIN_HELD)
    assert "agentDirectives[q-1].agentCount, agentDirectives[q-1].skillRequirement" in str(
        caught.value
    )
