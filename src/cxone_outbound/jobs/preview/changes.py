"""What a preview apply changes, shown as a diff, and re-applied onto a fresh version after a 412.

All pure. A campaign configuration is turned into a *tree* (nested dicts; `agentDirectives`
keyed by `queueId`), flattened into leaf paths, and compared path by path:

- `desired_body(current, intent)`: the body to PUT: current managed fields, our intent on top,
  defaults for what is absent, validated;
- `diff(before, after)`: the field changes, for the readable plan;
- `rebase(base, fresh, intent)`: after a 412, the other writer's changes are `diff(base, fresh)`;
  a path we set that they also changed, to a different value than ours, is a conflict; otherwise
  our intent is re-applied onto `fresh` (their other changes are kept).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cxone_outbound.jobs.preview.config import (
    DIRECTIVES,
    MANAGED_KEYS,
    FieldPath,
    Intent,
    format_path,
    validate_body,
)


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Any = _Absent()

Tree = dict[str, Any]


def managed_fields(
    campaign: Mapping[str, Any], held: frozenset[str] | None = None
) -> dict[str, Any]:
    """The fields of a campaign (wire names) that a preview PUT carries (those `held`, if set)."""
    return {key: campaign[key] for key in MANAGED_KEYS
            if key in campaign and (held is None or key in held)}


def to_tree(config: Mapping[str, Any]) -> Tree:
    """The configuration with `agentDirectives` keyed by queue id (order kept)."""
    tree: Tree = {key: value for key, value in config.items() if key != DIRECTIVES}
    directives = config.get(DIRECTIVES)
    if isinstance(directives, list):
        keyed: dict[str, Any] = {}
        for index, directive in enumerate(directives):
            queue = directive.get("queueId") if isinstance(directive, Mapping) else None
            keyed[queue if isinstance(queue, str) and queue else f"#{index}"] = directive
        tree[DIRECTIVES] = keyed
    elif directives is not None:
        tree[DIRECTIVES] = directives
    return tree


def from_tree(tree: Mapping[str, Any]) -> dict[str, Any]:
    config = {key: value for key, value in tree.items() if key != DIRECTIVES}
    directives = tree.get(DIRECTIVES)
    if isinstance(directives, Mapping):
        config[DIRECTIVES] = list(directives.values())
    elif directives is not None:
        config[DIRECTIVES] = directives
    return config


def flatten(tree: Mapping[str, Any], prefix: FieldPath = ()) -> dict[FieldPath, Any]:
    """Leaf path -> value; dicts are descended into, lists and scalars are leaves."""
    leaves: dict[FieldPath, Any] = {}
    for key, value in tree.items():
        path = (*prefix, str(key))
        if isinstance(value, Mapping) and value:
            leaves.update(flatten(value, path))
        else:
            leaves[path] = value
    return leaves


def get_path(tree: Mapping[str, Any], path: FieldPath) -> Any:
    node: Any = tree
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return ABSENT
        node = node[part]
    return node


def set_path(tree: Tree, path: FieldPath, value: Any) -> None:
    node = tree
    for part in path[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {} if not isinstance(child, Mapping) else dict(child)
            node[part] = child
        node = child
    node[path[-1]] = value


def _copy(tree: Mapping[str, Any]) -> Tree:
    copied: Tree = json.loads(json.dumps(tree, default=str))
    return copied


def apply_intent(
    config: Mapping[str, Any], intent: Intent, held: frozenset[str] | None = None
) -> dict[str, Any]:
    """`config` with every path of `intent` set (a new object; `config` is not touched)."""
    tree = _copy(to_tree(managed_fields(config, held)))
    for path, value in intent.items():
        set_path(tree, path, value)
    return from_tree(tree)


def desired_body(
    current: Mapping[str, Any], intent: Intent, held: frozenset[str] | None = None
) -> dict[str, Any]:
    """The validated body to PUT: current managed fields + intent + defaults (only the fields
    the API dialect can hold, when `held` names them)."""
    return validate_body(apply_intent(current, intent, held), held=held)


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One leaf that differs; `before`/`after` are ABSENT when the field is missing."""

    path: FieldPath
    before: Any
    after: Any

    @property
    def label(self) -> str:
        return format_path(self.path)


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    """The leaf changes from `before` to `after` (managed fields only), in a stable order."""
    old = flatten(to_tree(managed_fields(before)))
    new = flatten(to_tree(managed_fields(after)))
    changes = []
    for path in [*old, *(p for p in new if p not in old)]:
        a, b = old.get(path, ABSENT), new.get(path, ABSENT)
        if a != b and not (_covered(path, new) and b is ABSENT):
            changes.append(FieldChange(path, a, b))
    return changes


def _covered(path: FieldPath, leaves: Mapping[FieldPath, Any]) -> bool:
    """True when a descendant of `path` is a leaf (the field turned from a leaf into a table)."""
    return any(p[: len(path)] == path and p != path for p in leaves)


def render_diff(changes: list[FieldChange]) -> str:
    """One line per change: `~ path: before -> after` (`+` added, `-` removed)."""
    if not changes:
        return "no changes: the campaign already has this configuration"
    lines = []
    for change in changes:
        if change.before is ABSENT:
            lines.append(f"+ {change.label}: {_show(change.after)}")
        elif change.after is ABSENT:
            lines.append(f"- {change.label}: {_show(change.before)}")
        else:
            lines.append(f"~ {change.label}: {_show(change.before)} -> {_show(change.after)}")
    return "\n".join(lines)


def _show(value: Any) -> str:
    return json.dumps(value, separators=(", ", ": "), default=str)


@dataclass(frozen=True, slots=True)
class FieldConflict:
    """A field we set that another writer changed, between our read and our write."""

    path: FieldPath
    base: Any  # what we read
    theirs: Any  # what the other writer wrote
    ours: Any  # what we meant to write

    def describe(self) -> str:
        return (
            f"{format_path(self.path)}: was {_show(self.base)}, "
            f"they set {_show(self.theirs)}, we would set {_show(self.ours)}"
        )


def _overlaps(a: FieldPath, b: FieldPath) -> bool:
    shorter = min(len(a), len(b))
    return a[:shorter] == b[:shorter]


def find_conflicts(
    base: Mapping[str, Any], fresh: Mapping[str, Any], intent: Intent
) -> list[FieldConflict]:
    """Paths of our intent that the other writer also changed, to something other than ours."""
    theirs = [change.path for change in diff(base, fresh)]
    base_tree = to_tree(managed_fields(base))
    fresh_tree = to_tree(managed_fields(fresh))
    conflicts = []
    for path, ours in intent.items():
        if not any(_overlaps(path, changed) for changed in theirs):
            continue
        now = get_path(fresh_tree, path)
        if now != ours:
            conflicts.append(FieldConflict(path, get_path(base_tree, path), now, ours))
    return conflicts


@dataclass(frozen=True, slots=True)
class Rebased:
    """Our intent re-applied onto a fresh version, or the conflicts that stop it."""

    body: dict[str, Any] | None
    theirs: list[FieldChange]
    conflicts: list[FieldConflict]


def rebase(
    base: Mapping[str, Any],
    fresh: Mapping[str, Any],
    intent: Intent,
    *,
    force: bool = False,
    held: frozenset[str] | None = None,
) -> Rebased:
    """The 3-way merge after a 412. With `force`, our values win every conflict."""
    conflicts = find_conflicts(base, fresh, intent)
    theirs = diff(base, fresh)
    if conflicts and not force:
        return Rebased(None, theirs, conflicts)
    return Rebased(desired_body(fresh, intent, held), theirs, conflicts)
