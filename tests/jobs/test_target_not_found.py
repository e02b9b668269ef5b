"""A `--list` or `--campaign` that does not exist is bad input: exit 2, one line, nothing sent."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.jobs.conftest import Cxo
from tests.jobs.test_preview_cli import new_campaign

from cxone_outbound.config import Settings


def one_line_error(err: str) -> bool:
    return "Traceback" not in err and any(line.startswith("error:") for line in err.splitlines())


def test_import_into_a_list_that_does_not_exist_exits_2(cxo: Cxo, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("phone,first_name,last_name\n+15551234567,A,B\n+15551234568,C,D\n")
    code, _, err = cxo("import", str(path), "--list", "no-such-list",
                       "--state-dir", str(tmp_path / "s"), "--progress", "none")
    assert code == 2, err


def test_sanitise_of_a_list_that_does_not_exist_exits_2(cxo: Cxo, tmp_path: Path) -> None:
    code, _, err = cxo("sanitize", "--list", "no-such-list", "--state-dir", str(tmp_path / "s"))
    assert code == 2 and one_line_error(err), err


def test_preview_plan_of_a_campaign_that_does_not_exist_exits_2(cxo: Cxo) -> None:
    code, _, err = cxo("preview", "plan", "--campaign", "no-such-campaign", "--list", "l-1",
                       "--queue", "q-1")
    assert code == 2 and one_line_error(err), err


def test_preview_plan_of_a_list_that_does_not_exist_exits_2(cxo: Cxo, settings: Settings) -> None:
    campaign = new_campaign(settings)
    code, _, err = cxo("preview", "plan", "--campaign", campaign, "--list", "no-such-list",
                       "--queue", "q-1")
    assert code == 2 and one_line_error(err), err


@pytest.mark.parametrize("missing", ["list", "campaign"])
def test_enrich_with_a_list_or_campaign_that_does_not_exist_exits_2(
    cxo: Cxo, settings: Settings, tmp_path: Path, missing: str
) -> None:
    campaign = new_campaign(settings) if missing == "list" else "no-such-campaign"
    mapping = tmp_path / "m.toml"
    mapping.write_text('[key]\ncolumn = "cid"\n\n[[field]]\ncolumn = "tier"\nattribute = "tier"\n')
    path = tmp_path / "in.csv"
    path.write_text("cid,tier\nc1,gold\n")
    code, _, err = cxo("enrich", str(path), "--list", "no-such-list", "--campaign", campaign,
                       "--mapping", str(mapping), "--state-dir", str(tmp_path / "s"))
    assert code == 2 and one_line_error(err), err
    assert "not found" in err and missing in err
