"""Fill rates per attribute and overall, and batch latency summaries."""

from __future__ import annotations

from cxone_outbound.jobs.enrich.mapping import parse_mapping
from cxone_outbound.jobs.enrich.metrics import BatchLatencies, FillRates
from cxone_outbound.jobs.enrich.transform import apply_mapping

MAPPING = parse_mapping(
    """
[[field]]
column = "tier"
default = "bronze"

[[field]]
column = "score"
type = "integer"
"""
)


def fill(rows: list[dict[str, str]]) -> FillRates:
    rates = FillRates(MAPPING.attributes)
    for n, r in enumerate(rows, start=1):
        rates.add(apply_mapping(MAPPING, {"contactId": f"c{n}", **r}, n))
    return rates


def test_fill_rate_counts_values_and_defaults_as_filled() -> None:
    rates = fill(
        [
            {"tier": "gold", "score": "1"},
            {"tier": "", "score": "x"},
            {"tier": "N/A", "score": "null"},
            {"tier": "s", "score": ""},
        ]
    )
    assert rates.rate("tier") == 1.0
    assert rates.rate("score") == 0.25
    assert rates.overall == 5 / 8


def test_null_like_and_invalid_are_counted_apart() -> None:
    c = fill(
        [{"tier": "g", "score": "x"}, {"tier": "g", "score": "null"}, {"tier": "g", "score": " "}]
    ).counts["score"]
    assert (c.value, c.default, c.null, c.invalid) == (0, 0, 2, 1)


def test_default_fills_are_counted_apart_from_values() -> None:
    c = fill([{"tier": "g", "score": "1"}, {"tier": "", "score": "1"}]).counts["tier"]
    assert (c.value, c.default, c.sent) == (1, 1, 2)


def test_no_rows_means_zero_fill_not_a_division_error() -> None:
    rates = FillRates(MAPPING.attributes)
    assert rates.overall == 0.0 and rates.rate("tier") == 0.0


def test_the_json_report_carries_rows_overall_and_per_attribute() -> None:
    report = fill([{"tier": "g", "score": "1"}, {"tier": "", "score": "bad"}]).to_json()
    assert report["rows"] == 2
    assert report["overall"] == 0.75
    assert report["attributes"]["score"] == {
        "fillRate": 0.5,
        "sent": 1,
        "value": 1,
        "default": 0,
        "nullLike": 0,
        "invalid": 1,
    }


def test_latencies_summarise_every_batch() -> None:
    lat = BatchLatencies()
    for ms in (10, 20, 30, 40):
        lat.add(100, ms / 1000, "applied")
    summary = lat.to_json()
    assert summary["batches"] == 4
    assert summary["p50Ms"] == 25.0
    assert summary["maxMs"] == 40.0


def test_no_batches_is_reported_as_zero_batches() -> None:
    assert BatchLatencies().to_json() == {"batches": 0}
