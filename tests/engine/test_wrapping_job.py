"""`WrappingJob`: a wrapper forwards every part of a job it does not override, so a part added
to `Job`, `BaseJob` or `JobExtras` later cannot be dropped by a wrapper (as `succeeded_rows`
once was, and import's succeeded.csv lost its `line, remote_id` shape behind the screen)."""

from __future__ import annotations

import inspect
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import cxone_outbound.engine as engine_package
from cxone_outbound.client.clock import FakeClock
from cxone_outbound.engine.job import BaseJob, Job, JobExtras, RunContext, WrappingJob
from cxone_outbound.engine.metrics import RunMetrics
from cxone_outbound.engine.records import Batch
from cxone_outbound.jobs.mirror import MirrorJob, MirrorOptions
from cxone_outbound.jobs.mirror.plan import SourceKeys
from cxone_outbound.jobs.screening import ScreeningJob


def _members(cls: type) -> set[str]:
    """The public names a class or protocol declares: annotated attributes, properties,
    methods and class attributes."""
    declared = set(getattr(cls, "__annotations__", {}))
    return declared | {name for name in vars(cls) if not name.startswith("_")}


PARTS = sorted(_members(Job) | _members(JobExtras) | _members(BaseJob))


def _declared(name: str) -> Any:
    """The part as the first of `Job`, `JobExtras`, `BaseJob` declaring it defines it."""
    for cls in (Job, JobExtras, BaseJob):
        if name in vars(cls):
            return inspect.getattr_static(cls, name)
    return None  # an annotated attribute without a value


@dataclass(frozen=True)
class Answer:
    """A value only the probe gives: a wrapper's default can never equal it."""

    name: str


class Probe:
    """A job answering every part with an `Answer` of its own, recording each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        part = _declared(name)
        if not inspect.isfunction(part):
            return Answer(name)
        if inspect.iscoroutinefunction(part):
            async def call_async(*args: Any) -> Answer:
                self.calls.append((name, args))
                return Answer(name)

            return call_async

        def call(*args: Any) -> Answer:
            self.calls.append((name, args))
            return Answer(name)

        return call


def test_the_parts_are_found_by_introspection() -> None:
    assert {"name", "batch_size", "concurrency", "send", "reconcile", "finish",
            "settle_dry_run", "removals", "succeeded_rows"} <= set(PARTS)


@pytest.mark.parametrize("part", PARTS)
async def test_a_wrapper_forwards_each_part_it_does_not_override(part: str) -> None:
    probe = Probe()
    wrapper = WrappingJob(probe)
    declared = _declared(part)
    if not inspect.isfunction(declared):
        assert getattr(wrapper, part) == Answer(part)
        return
    signature = inspect.signature(declared)
    args = tuple(Answer(f"{part}:{p}") for p in list(signature.parameters)[1:])  # after self
    result = getattr(wrapper, part)(*args)
    if inspect.isawaitable(result):
        result = await result
    assert probe.calls == [(part, args)]
    # a hook returning nothing is forwarded for its effect alone
    assert result == (None if signature.return_annotation == "None" else Answer(part))


def _ctx(tmp_path: Path) -> RunContext:
    return RunContext("run", tmp_path, None, FakeClock(), random.Random(0), RunMetrics())


def test_a_wrapped_job_without_the_optional_parts_is_answered_as_the_engine_treats_one(
    tmp_path: Path,
) -> None:
    class Bare:
        """A job object with none of `JobExtras` (the parts sent to it are not called here)."""

    wrapper = WrappingJob(Bare())  # type: ignore[arg-type]  # holds no part on purpose
    assert wrapper.succeeded_rows is True
    assert wrapper.settle_dry_run(Batch("b", []), _ctx(tmp_path)) == ()
    assert wrapper.removals() is None


def test_the_engine_asks_a_job_for_no_optional_part_beyond_job_extras() -> None:
    # a part looked up by name that `JobExtras` does not declare would not be forwarded
    looked_up = re.compile(r"(?:getattr|hasattr)\(\s*(?:self\.)?job\s*,\s*[\"'](\w+)[\"']")
    root = Path(engine_package.__file__).parent
    asked = {name for path in root.rglob("*.py")
             for name in looked_up.findall(path.read_text(encoding="utf-8"))}
    assert asked, "the engine's optional parts were not found: is the pattern stale?"
    assert asked <= _members(JobExtras)


WRAPPERS: dict[str, Callable[[Any, Path], WrappingJob]] = {
    "screening": lambda inner, _: ScreeningJob(inner, lambda item: None),
    "mirror": lambda inner, work: MirrorJob(inner, SourceKeys(), MirrorOptions("L1"), work),
}


@pytest.mark.parametrize("wrapper", sorted(WRAPPERS))
def test_the_wrappers_keep_the_wrapped_jobs_attributes(wrapper: str, tmp_path: Path) -> None:
    job = WRAPPERS[wrapper](Probe(), tmp_path)
    for part in ("name", "batch_size", "concurrency", "succeeded_rows"):
        assert getattr(job, part) == Answer(part), part
