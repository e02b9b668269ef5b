"""Where every record read from the source went: counted as it happens, checked at the end.

The invariant of every run: records read = succeeded + failed + skipped + unchanged (every state
of `records.OUTCOME_STATES`; + in flight and not sent, when the run stopped early; + planned, in
a dry run). The counts are kept apart from
the journal and the result files, so a record that fell between the cracks (read, never
answered for) shows up as a mismatch, and a mismatch fails the run loudly instead of a summary
that silently adds up to less than the input.

Records a job removes from a list (`import --mirror`) are not input lines: they are accounted
apart (`Removals`): the list's records absent from the source = removed + already gone +
failed to remove + held back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from cxone_outbound.engine.records import OUTCOME_STATES, State

_TERMINAL = tuple(str(state) for state in OUTCOME_STATES)
# Always on the accounting line, even at 0; the other states only when some record ended so.
_ALWAYS_SHOWN = (str(State.SUCCEEDED), str(State.FAILED), str(State.SKIPPED))


class AccountingMismatch(Exception):
    """The run's records do not add up: a bug, reported as the run's fatal error (exit 1)."""


@dataclass
class Ledger:
    """This session's tally of the records it read and what became of each."""

    read: int = 0
    done_before: Counter[str] = field(default_factory=Counter)  # terminal in the journal already
    in_flight: int = 0  # sent, the answer deferred to a resume (e.g. an import job still running)
    not_sent: int = 0  # read, then left unsent because the run stopped
    planned: int = 0  # a dry run's valid records

    def close(
        self, outcomes: Mapping[str, int], journal: Mapping[str, int] | None = None
    ) -> Accounting:
        """The run's accounting from this session's outcomes by state.

        `journal`: the journal's counts of the run, when they must agree with the tally (a
        completed run, which read its whole input).
        """
        terminal = {state: self.done_before[state] + outcomes.get(state, 0) for state in _TERMINAL}
        problems: list[str] = []
        total = sum(terminal.values()) + self.in_flight + self.not_sent + self.planned
        if total != self.read:
            problems.append(f"{self.read} records read but {total} accounted for")
        if journal is not None:
            journaled = {state: journal.get(state, 0) for state in _TERMINAL}
            if journaled != terminal:
                problems.append(f"the journal holds {journaled}, the run counted {terminal}")
        return Accounting(
            read=self.read,
            settled=terminal,
            in_flight=self.in_flight,
            not_sent=self.not_sent,
            planned=self.planned,
            problems=tuple(problems),
        )


@dataclass(frozen=True)
class Removals:
    """Where each record of a list absent from the source went (not input lines: kept apart).

    `absent` is counted when the plan is made, the rest from each record's state since: a
    record that is in none of them, or in two, is a mismatch.
    """

    absent: int
    removed: int = 0
    already_gone: int = 0
    failed: int = 0
    held_back: int = 0

    @property
    def problems(self) -> tuple[str, ...]:
        total = self.removed + self.already_gone + self.failed + self.held_back
        if total != self.absent:
            return (f"{self.absent} list records absent from the source but {total} accounted "
                    "for",)
        return ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "absent": self.absent,
            "removed": self.removed,
            "already_gone": self.already_gone,
            "failed": self.failed,
            "held_back": self.held_back,
            "balanced": not self.problems,
        }

    def render(self) -> str:
        """One line: `absent = removed + failed to remove + held back [+ already gone]`."""
        parts = [f"{self.removed} removed", f"{self.failed} failed to remove",
                 f"{self.held_back} held back"]
        if self.already_gone:
            parts.append(f"{self.already_gone} already gone")
        line = f"  list: {self.absent} absent from the source = {' + '.join(parts)}"
        return line + (" (balanced)" if not self.problems else
                       " -- MISMATCH: " + "; ".join(self.problems))


@dataclass(frozen=True)
class Accounting:
    """The checked invariant, as summary.json and the printed summary show it."""

    read: int
    settled: Mapping[str, int]  # records by the state they ended in (`OUTCOME_STATES`)
    in_flight: int = 0
    not_sent: int = 0
    planned: int = 0
    problems: tuple[str, ...] = ()
    removals: Removals | None = None  # a list's absent records (import --mirror)
    # False when the source broke mid-read: what was read adds up, but the input was not all
    # read, so the run is not complete however its records balance
    input_complete: bool = True

    @property
    def balanced(self) -> bool:
        return not self.problems

    @property
    def succeeded(self) -> int:
        return self.settled.get(str(State.SUCCEEDED), 0)

    @property
    def failed(self) -> int:
        return self.settled.get(str(State.FAILED), 0)

    @property
    def skipped(self) -> int:
        return self.settled.get(str(State.SKIPPED), 0)

    @property
    def unchanged(self) -> int:
        return self.settled.get(str(State.UNCHANGED), 0)

    def with_removals(self, removals: Removals) -> Accounting:
        """This accounting with a list's removals, their problems among its own."""
        return replace(self, problems=self.problems + removals.problems, removals=removals)

    def as_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            **{state: self.settled.get(state, 0) for state in _TERMINAL},
            "in_flight": self.in_flight,
            "not_sent": self.not_sent,
            "planned": self.planned,
            "balanced": self.balanced,
            "problems": list(self.problems),
            "input_complete": self.input_complete,
            **({"removals": self.removals.as_dict()} if self.removals else {}),
        }

    def render(self) -> str:
        """One line: `read = succeeded + failed + skipped [+ ...]`, and whether it holds."""
        parts = [f"{self.settled.get(state, 0)} {state}" for state in _ALWAYS_SHOWN]
        others = [(state, self.settled.get(state, 0)) for state in _TERMINAL
                  if state not in _ALWAYS_SHOWN]
        for name, value in (*others, ("in flight", self.in_flight), ("not sent", self.not_sent),
                            ("planned", self.planned)):
            if value:
                parts.append(f"{value} {name}")
        line = f"  accounting: {self.read} read = {' + '.join(parts)}"
        ledger = [p for p in self.problems if not self.removals or p not in
                  self.removals.problems]
        line += " -- MISMATCH: " + "; ".join(ledger) if ledger else " (balanced)"
        if not self.input_complete:
            line += "; the input was NOT read to its end (the source broke): the run is incomplete"
        return line if self.removals is None else line + "\n" + self.removals.render()


def accounting_of(document: Mapping[str, Any]) -> Accounting:
    """The accounting of a summary.json document (for tests and tools reading it back)."""
    raw = document["accounting"]
    removals = raw.get("removals")
    return Accounting(
        read=raw["read"],
        settled={state: raw.get(state, 0) for state in _TERMINAL},
        in_flight=raw["in_flight"],
        not_sent=raw["not_sent"],
        planned=raw["planned"],
        problems=tuple(raw["problems"]),
        input_complete=bool(raw.get("input_complete", True)),
        removals=Removals(**{k: v for k, v in removals.items() if k != "balanced"})
        if removals else None,
    )
