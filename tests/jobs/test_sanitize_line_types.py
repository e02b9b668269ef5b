"""`cxo sanitize --line-type-lookup twilio`: carrier line types make US blocks work (sandbox)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.jobs.conftest import Cxo

from cxone_outbound.jobs.sanitize.directive import DirectiveError, load_directive
from cxone_outbound.phones.linetypes import CACHE_FILE
from cxone_outbound.sandbox.control import SandboxControl
from cxone_outbound.sandbox.lookups import ROUTE

US_MOBILE = "+14152345671"  # offline: fixed_line_or_mobile; the emulated carrier: mobile
US_LANDLINE = "+14152345675"  # the emulated carrier: landline


def _list(control: SandboxControl) -> str:
    list_id = control.create_list("line-types")
    control.add_contacts(list_id, [{"phone": p, "firstName": "A", "lastName": "B"}
                                   for p in (US_MOBILE, US_LANDLINE)])
    return list_id


def _purges(out: str) -> dict[str, int]:
    return dict(json.loads(out)["sanitize"]["plan"]["purge_by_reason"])


def test_a_us_mobile_is_blocked_only_when_a_carrier_lookup_tells_it_apart(
    cxo: Cxo, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    list_id = _list(sandbox_control)
    code, out, err = cxo("--json", "sanitize", "--list", list_id, "--block-line-type", "mobile")
    assert code == 0, err
    assert _purges(out) == {}  # offline, both are fixed_line_or_mobile: nothing is blocked
    code, out, err = cxo("--json", "sanitize", "--list", list_id, "--block-line-type", "mobile",
                         "--line-type-lookup", "twilio")
    assert code == 0, err
    assert _purges(out) == {"blocked_line_type": 1}
    plan = json.loads((Path(json.loads(out)["run_dir"]) / "plan.json").read_text())
    purged = [e for e in plan["entries"] if e["action"] == "purge"]
    assert [e["e164"] for e in purged] == [US_MOBILE]
    assert plan["directive"]["line_type_lookup"] == "twilio"
    assert (tmp_path / "state" / CACHE_FILE).is_file()


def test_a_second_plan_reuses_the_cached_answers(
    cxo: Cxo, sandbox_control: SandboxControl, tmp_path: Path
) -> None:
    list_id = _list(sandbox_control)
    directive = tmp_path / "directive.toml"
    directive.write_text('blocked_line_types = ["mobile"]\nline_type_lookup = "twilio"\n')
    assert cxo("sanitize", "--list", list_id, "--directive", str(directive))[0] == 0
    sandbox_control.reset_counters()
    code, out, _ = cxo("--json", "sanitize", "--list", list_id, "--directive", str(directive))
    assert code == 0 and _purges(out) == {"blocked_line_type": 1}
    assert sandbox_control.requests_to(ROUTE) == 0


def test_an_unknown_lookup_is_a_usage_error(cxo: Cxo, tmp_path: Path) -> None:
    code, _, err = cxo("sanitize", "--list", "x", "--line-type-lookup", "carrier-pigeon")
    assert code == 2 and "line_type_lookup" in err
    bad = tmp_path / "d.toml"
    bad.write_text('line_type_lookup = "oracle"\n')
    with pytest.raises(DirectiveError, match="not one of offline, twilio"):
        load_directive(bad)
