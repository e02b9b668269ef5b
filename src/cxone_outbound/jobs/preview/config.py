"""The preview configuration: its validated shape, its defaults, and what a user asks to change.

A user's request (flags, a TOML file) is an *intent*: a mapping from field path to value,
holding only the fields they named. The body that is PUT is the campaign as it is now with the
intent applied and absent fields filled from `DEFAULTS`, validated by `PreviewConfig`. Keeping
the intent apart from the body is what lets a 412 re-apply only our fields onto a fresh version.

Paths are tuples of wire (camelCase) names. `agentDirectives` is keyed by `queueId` in paths
(`("agentDirectives", "q-1", "agentCount")`), so two writers touching different queues never
collide; `contactLists` is one value (the lists a campaign dials are replaced as a whole).
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel

FieldPath = tuple[str, ...]
Intent = dict[FieldPath, Any]

MANAGED_KEYS: tuple[str, ...] = (
    "name",
    "type",
    "contactLists",
    "dialingRules",
    "agentDirectives",
    "previewSettings",
)
DIRECTIVES = "agentDirectives"


class PreviewConfigError(ValueError):
    """A configuration that must not be sent; the message lists every problem, one per line."""


class _Wire(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="allow",  # a server may hold fields we do not manage: keep them, send them back
        strict=True,
    )


class ContactListRef(_Wire):
    id: str = Field(min_length=1)
    type: Literal["contactlist"] = "contactlist"


class DialingRules(_Wire):
    strategy: Literal["preview"] = "preview"
    max_attempts: int = Field(default=1, ge=1, le=10)
    callback_enabled: bool = False


class AgentDirective(_Wire):
    queue_id: str = Field(min_length=1)
    skill_requirement: str = Field(default="outbound_preview", min_length=1)
    agent_count: int = Field(default=1, ge=1, le=1000)


class PreviewSettings(_Wire):
    preview_dialing_mode: Literal["manual", "timed"] = "manual"
    agent_prompt_enabled: bool = True
    preview_timeout_seconds: int | None = Field(default=None, ge=5, le=600)

    @model_validator(mode="after")
    def _timed_needs_a_timeout(self) -> Self:
        if self.preview_dialing_mode == "timed" and self.preview_timeout_seconds is None:
            raise ValueError("previewDialingMode 'timed' needs previewTimeoutSeconds")
        return self


class PreviewConfig(_Wire):
    """The body of `PUT /api/v2/outbound/campaigns/{id}` for a preview campaign."""

    name: str = Field(min_length=1, max_length=255)
    type: Literal["preview"] = "preview"
    contact_lists: list[ContactListRef] = Field(min_length=1)
    dialing_rules: DialingRules = Field(default_factory=DialingRules)
    agent_directives: list[AgentDirective] = Field(min_length=1)
    preview_settings: PreviewSettings = Field(default_factory=PreviewSettings)

    @model_validator(mode="after")
    def _one_directive_per_queue(self) -> Self:
        queues = [d.queue_id for d in self.agent_directives]
        duplicates = sorted({q for q in queues if queues.count(q) > 1})
        if duplicates:
            raise ValueError(f"more than one agent directive for queue {', '.join(duplicates)}")
        return self


# Leaf names a user may set, per section: the vocabulary typos are checked against.
_SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "dialingRules": ("strategy", "maxAttempts", "callbackEnabled"),
    "previewSettings": ("previewDialingMode", "agentPromptEnabled", "previewTimeoutSeconds"),
    DIRECTIVES: ("queueId", "skillRequirement", "agentCount"),
}
_TOP_FIELDS = ("name", "contactLists", *_SECTION_FIELDS)


# Valid values for the required fields a dialect cannot hold: validation runs on the full model,
# then these are dropped again (they are never sent).
_STAND_INS: dict[str, Any] = {
    "name": "-",
    "contactLists": [{"id": "-", "type": "contactlist"}],
    DIRECTIVES: [{"queueId": "-"}],
}


UNHELD_LEAF = "-"
"""Prefix of a `held` entry naming a leaf the dialect cannot hold inside a held field
(`-previewSettings.agentPromptEnabled`): it is left out of bodies and refused in intents."""


def unheld_leaves(held: frozenset[str] | None) -> list[FieldPath]:
    return [tuple(h[len(UNHELD_LEAF):].split(".")) for h in held or ()
            if h.startswith(UNHELD_LEAF)]


def holds(held: frozenset[str] | None, path: FieldPath) -> bool:
    """Whether the dialect holds `path`: its top-level field is held and it is no unheld leaf."""
    if held is None:
        return True
    return path[0] in held and not any(path[:len(leaf)] == leaf for leaf in unheld_leaves(held))


def validate_body(
    body: Mapping[str, Any], *, held: frozenset[str] | None = None
) -> dict[str, Any]:
    """The body, completed with defaults and checked; PreviewConfigError lists every problem.

    `held`: the top-level fields the API dialect can hold (None: all), and its unheld leaves;
    the others are left out.
    """
    stand_ins = {} if held is None else {k: v for k, v in _STAND_INS.items() if k not in held}
    try:
        config = PreviewConfig.model_validate({**body, **stand_ins})
    except ValidationError as exc:
        raise PreviewConfigError(_describe(exc)) from None
    dumped = config.model_dump(mode="json", exclude_none=True)
    if held is None:
        return dumped
    for leaf in unheld_leaves(held):
        parent = dumped.get(leaf[0]) if len(leaf) == 2 else None
        if isinstance(parent, dict):
            parent.pop(leaf[1], None)
    return {k: v for k, v in dumped.items() if k in held or k not in MANAGED_KEYS}


def split_intent(intent: Intent, held: frozenset[str] | None) -> tuple[Intent, list[FieldPath]]:
    """The paths of `intent` the dialect can hold, and the paths it cannot.

    An unheld path that only identifies (`--list`'s `contactLists`, `--queue`'s `queueId`) is
    returned with the others for the caller to report; one that configures (an agent count, a
    skill requirement) is a PreviewConfigError naming it, since it could never be applied.
    """
    if held is None:
        return dict(intent), []
    kept = {path: value for path, value in intent.items() if holds(held, path)}
    unheld = [path for path in intent if not holds(held, path)]
    refused = sorted({format_path(p) for p in unheld if not _identifies(p)})
    if refused:
        raise PreviewConfigError(
            "this API dialect has no place for " + ", ".join(refused) + ": on a real tenant the "
            "lists a skill dials are the calling lists uploaded to it, its agents are assigned "
            "to the skill in CXone, and a preview is configured by the skill's published "
            "deliveryPreferences only (docs/real-tenant.md); leave them out of the flags and "
            "--config"
        )
    return kept, unheld


def _identifies(path: FieldPath) -> bool:
    """Intent that only names the list assessed or the queue: harmless where it is not held."""
    return path == ("contactLists",) or (path[0] == DIRECTIVES and path[-1] == "queueId")


def format_path(path: FieldPath) -> str:
    """A field path as people read it: `agentDirectives[q-1].agentCount`."""
    if len(path) >= 2 and path[0] == DIRECTIVES:
        return f"{DIRECTIVES}[{path[1]}]" + "".join(f".{part}" for part in path[2:])
    return ".".join(path)


def unheld_labels(unheld: list[FieldPath]) -> list[str]:
    """The fields a plan leaves alone, once each (`contactLists`, `agentDirectives[q-1]`)."""
    labels = [format_path(p[:2] if p[0] == DIRECTIVES else p[:1]) for p in unheld]
    return list(dict.fromkeys(labels))


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "configuration"
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{where}: {message}")
    return "\n".join(lines)


def intent_from_options(
    *,
    list_id: str | None = None,
    queue_id: str | None = None,
    name: str | None = None,
    strategy: str | None = None,
    max_attempts: int | None = None,
    callback_enabled: bool | None = None,
    skill: str | None = None,
    agent_count: int | None = None,
    dialing_mode: str | None = None,
    preview_timeout: int | None = None,
    agent_prompt: bool | None = None,
) -> Intent:
    """The fields named by command-line options (None: not named)."""
    intent: Intent = {("type",): "preview"}
    if name is not None:
        intent[("name",)] = name
    if list_id is not None:
        intent[("contactLists",)] = [{"id": list_id, "type": "contactlist"}]
    named: list[tuple[FieldPath, Any]] = [
        (("dialingRules", "strategy"), strategy),
        (("dialingRules", "maxAttempts"), max_attempts),
        (("dialingRules", "callbackEnabled"), callback_enabled),
        (("previewSettings", "previewDialingMode"), dialing_mode),
        (("previewSettings", "previewTimeoutSeconds"), preview_timeout),
        (("previewSettings", "agentPromptEnabled"), agent_prompt),
    ]
    intent.update({path: value for path, value in named if value is not None})
    if queue_id is not None:
        intent[(DIRECTIVES, queue_id, "queueId")] = queue_id
        if skill is not None:
            intent[(DIRECTIVES, queue_id, "skillRequirement")] = skill
        if agent_count is not None:
            intent[(DIRECTIVES, queue_id, "agentCount")] = agent_count
    elif skill is not None or agent_count is not None:
        raise PreviewConfigError("--skill and --agent-count need --queue")
    return intent


def intent_from_toml(path: Path) -> Intent:
    """The fields a TOML file sets; unknown keys are errors (with a suggestion)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PreviewConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PreviewConfigError(f"{path}: not valid TOML: {exc}") from None
    return intent_from_mapping(document, source=str(path))


def intent_from_mapping(document: Mapping[str, Any], *, source: str = "configuration") -> Intent:
    """The intent of a parsed configuration document (camelCase or snake_case keys)."""
    problems: list[str] = []
    intent: Intent = {}
    for raw_key, value in document.items():
        key = _known(raw_key, _TOP_FIELDS, "", problems)
        if key is None:
            continue
        if key in ("dialingRules", "previewSettings"):
            if not isinstance(value, Mapping):
                problems.append(f"{key}: must be a table")
                continue
            for raw_leaf, leaf_value in value.items():
                leaf = _known(raw_leaf, _SECTION_FIELDS[key], f"{key}.", problems)
                if leaf is not None:
                    intent[(key, leaf)] = leaf_value
        elif key == DIRECTIVES:
            _directives_intent(value, intent, problems)
        elif key == "contactLists":
            lists = value if isinstance(value, list) else None
            if lists is None or not all(isinstance(x, (str, Mapping)) for x in lists):
                problems.append("contactLists: must be a list of list ids or {id = ...} tables")
                continue
            intent[("contactLists",)] = [
                {"id": x, "type": "contactlist"} if isinstance(x, str) else dict(x) for x in lists
            ]
        else:
            intent[(key,)] = value
    if problems:
        raise PreviewConfigError("\n".join(f"{source}: {p}" for p in problems))
    return intent


def _directives_intent(value: Any, intent: Intent, problems: list[str]) -> None:
    if not isinstance(value, list) or not all(isinstance(x, Mapping) for x in value):
        problems.append(f"{DIRECTIVES}: must be an array of tables ([[agentDirectives]])")
        return
    for index, directive in enumerate(value):
        fields: dict[str, Any] = {}
        for raw, leaf_value in directive.items():
            leaf = _known(raw, _SECTION_FIELDS[DIRECTIVES], f"{DIRECTIVES}[{index}].", problems)
            if leaf is not None:
                fields[leaf] = leaf_value
        queue = fields.get("queueId")
        if not isinstance(queue, str) or not queue:
            problems.append(f"{DIRECTIVES}[{index}]: needs a queueId")
            continue
        for leaf, leaf_value in fields.items():
            intent[(DIRECTIVES, queue, leaf)] = leaf_value


def _known(raw: str, vocabulary: tuple[str, ...], prefix: str, problems: list[str]) -> str | None:
    key = raw if raw in vocabulary else to_camel(raw)
    if key in vocabulary:
        return key
    close = difflib.get_close_matches(key, vocabulary, n=1)
    hint = f" (did you mean {prefix}{close[0]}?)" if close else ""
    problems.append(f"unknown key {prefix}{raw}{hint}")
    return None


def merge_intents(*intents: Intent) -> Intent:
    """Later intents win per path (flags over file)."""
    merged: Intent = {}
    for intent in intents:
        merged.update(intent)
    return merged
