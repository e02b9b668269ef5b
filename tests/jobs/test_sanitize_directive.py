"""Specification of the sanitise directive: flags, TOML, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxone_outbound.client.errors import ConfigurationError
from cxone_outbound.jobs.sanitize.directive import (
    Directive,
    DirectiveError,
    directive_from_options,
    load_directive,
)
from cxone_outbound.phones import LineType


def test_default_directive_reads_us_numbers_and_allows_everything() -> None:
    directive = Directive()
    assert directive.default_region == "US"
    assert directive.allowed_regions is None
    assert directive.blocked_line_types == frozenset()


def test_flags_build_a_directive(tmp_path: Path) -> None:
    disposable = tmp_path / "burners.txt"
    disposable.write_text("+1555*\n", encoding="utf-8")
    directive = directive_from_options(
        default_region="gb",
        allowed_regions=["US,ca", "GB"],
        blocked_line_types=["VoIP", "toll-free"],
        disposable_file=disposable,
    )
    assert directive.default_region == "GB"
    assert directive.allowed_regions == {"US", "CA", "GB"}
    assert directive.blocked_line_types == {LineType.VOIP, LineType.TOLL_FREE}
    assert directive.disposable is not None and "+15551234567" in directive.disposable


def test_toml_file_builds_a_directive_with_disposable_file_beside_it(tmp_path: Path) -> None:
    (tmp_path / "burners.txt").write_text("+447512*\n", encoding="utf-8")
    path = tmp_path / "directive.toml"
    path.write_text(
        '[sanitize]\ndefault_region = "GB"\nallowed_regions = ["GB", "US"]\n'
        'blocked_line_types = ["voip", "premium_rate"]\ndisposable_file = "burners.txt"\n',
        encoding="utf-8",
    )
    directive = load_directive(path)
    assert directive.allowed_regions == {"GB", "US"}
    assert directive.blocked_line_types == {LineType.VOIP, LineType.PREMIUM_RATE}
    assert directive.disposable is not None and "+447512000000" in directive.disposable
    assert directive.describe()["disposable_entries"] == 1


def test_flags_override_the_file(tmp_path: Path) -> None:
    path = tmp_path / "d.toml"
    path.write_text('allowed_regions = ["GB"]\nblocked_line_types = ["voip"]\n', encoding="utf-8")
    directive = directive_from_options(allowed_regions=["US"], base=load_directive(path))
    assert directive.allowed_regions == {"US"}
    assert directive.blocked_line_types == {LineType.VOIP}


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('allowed_regions = ["XX"]', "not a region code"),
        ('allowed_regions = "US"', "must be a list"),
        ('blocked_line_types = ["fax"]', "unknown line type"),
        ('default_region = "Narnia"', "not a region code"),
        ("block_voip = true", "unknown directive key"),
        ('disposable_file = "missing.txt"', "cannot read"),
        ("allowed_regions = [", "not valid TOML"),
    ],
)
def test_bad_directive_file_is_a_clear_configuration_error(
    tmp_path: Path, toml: str, message: str
) -> None:
    path = tmp_path / "d.toml"
    path.write_text(toml + "\n", encoding="utf-8")
    with pytest.raises(DirectiveError, match=message) as info:
        load_directive(path)
    assert isinstance(info.value, ConfigurationError)


def test_missing_directive_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DirectiveError, match="cannot read directive"):
        load_directive(tmp_path / "nope.toml")


def test_bad_disposable_line_names_the_file_and_line(tmp_path: Path) -> None:
    burners = tmp_path / "burners.txt"
    burners.write_text("+1555*\n555-1234\n", encoding="utf-8")
    with pytest.raises(DirectiveError, match=r"burners.txt:2"):
        directive_from_options(disposable_file=burners)


def test_empty_default_region_flag_means_international_numbers_only() -> None:
    assert directive_from_options(default_region="").default_region is None
