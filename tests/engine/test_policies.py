"""Pure parts of the engine: cell neutralising, latency percentiles, the resume offer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cxone_outbound.engine.journal import RunInfo
from cxone_outbound.engine.launch import resolve_resume
from cxone_outbound.engine.metrics import LatencyHistogram
from cxone_outbound.engine.results import neutralise_cell, unguard_cell


def test_formula_cells_are_prefixed_with_a_quote() -> None:
    for cell in ("=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise_cell(cell) == "'" + cell


def test_plain_cells_are_untouched() -> None:
    assert neutralise_cell("Ann") == "Ann"
    assert neutralise_cell("'quoted") == "'quoted"


def test_a_quote_already_before_a_formula_is_guarded_too() -> None:
    assert neutralise_cell("'=x") == "''=x"
    assert unguard_cell("''=x") == "'=x"


def test_a_leading_quote_that_is_no_guard_is_data() -> None:
    assert unguard_cell("'twas") == "'twas"
    assert unguard_cell("'") == "'"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("'=+-@\t\rab "), max_size=6) | st.text(max_size=12))
def test_unguard_undoes_neutralise_exactly_and_the_guarded_cell_is_safe(cell: str) -> None:
    guarded = neutralise_cell(cell)
    assert unguard_cell(guarded) == cell
    assert not guarded.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_latency_percentiles_are_within_five_percent() -> None:
    histogram = LatencyHistogram()
    for ms in range(1, 1001):
        histogram.add(ms / 1000)
    p50, p99 = histogram.percentile(50), histogram.percentile(99)
    assert p50 is not None and p99 is not None
    assert 0.5 <= p50 <= 0.5 * 1.05
    assert 0.99 <= p99 <= 0.99 * 1.05


def test_empty_histogram_has_no_percentile() -> None:
    assert LatencyHistogram().percentile(50) is None


CANDIDATE = RunInfo("r1", "update", "h", "in.csv", {}, 0.0, None, "interrupted", {})


def offer(
    requested: str | None, candidate: RunInfo | None, interactive: bool, answer: bool = True
) -> tuple[str | None, list[str]]:
    said: list[str] = []
    chosen = resolve_resume(
        requested, candidate, interactive=interactive, ask=lambda q: answer, notify=said.append
    )
    return chosen, said


def test_explicit_resume_wins() -> None:
    assert offer("r9", CANDIDATE, False)[0] == "r9"


def test_auto_resumes_the_candidate() -> None:
    assert offer("auto", CANDIDATE, False)[0] == "r1"


def test_non_interactive_rerun_starts_afresh_and_prints_the_hint() -> None:
    chosen, said = offer(None, CANDIDATE, False)
    assert chosen is None and "--resume r1" in said[0]


def test_interactive_rerun_resumes_when_the_user_agrees() -> None:
    assert offer(None, CANDIDATE, True, answer=True)[0] == "r1"
    assert offer(None, CANDIDATE, True, answer=False)[0] is None


def test_nothing_to_offer_without_a_candidate() -> None:
    assert offer(None, None, True) == (None, [])
