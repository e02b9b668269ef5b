"""Enrichment job: CRM extract in, contact attributes out, nothing malformed reaching the list.

Stages, one module each: `mapping` (the declared TOML mapping and its checks), `values` (the
null guard and casts), `transform` (a row through the mapping), `budget` (batch size from the
campaign's timeout), `metrics` (fill rates and latency). Refused atomic batches are resolved
by the engine's `resolution.BatchResolution` (re-exported here).
"""

from __future__ import annotations

from cxone_outbound.engine.resolution import BatchResolution, RefusalDetail
from cxone_outbound.jobs.enrich.budget import batched, safe_batch_size
from cxone_outbound.jobs.enrich.mapping import (
    EnrichmentMapping,
    FieldMapping,
    MappingError,
    check_header,
    load_mapping,
    parse_mapping,
    validate_against_schema,
)
from cxone_outbound.jobs.enrich.metrics import BatchLatencies, FillRates
from cxone_outbound.jobs.enrich.transform import RowResult, Status, apply_mapping
from cxone_outbound.jobs.enrich.values import CastError, cast_text, is_null_like

__all__ = [
    "BatchLatencies",
    "BatchResolution",
    "CastError",
    "EnrichmentMapping",
    "FieldMapping",
    "FillRates",
    "MappingError",
    "RefusalDetail",
    "RowResult",
    "Status",
    "apply_mapping",
    "batched",
    "cast_text",
    "check_header",
    "is_null_like",
    "load_mapping",
    "parse_mapping",
    "safe_batch_size",
    "validate_against_schema",
]
