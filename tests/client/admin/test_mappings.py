"""List mappings: remembered for the lists cxo creates, told for the others, else refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxone_outbound.client.admin.mappings import MappingStore, resolve
from cxone_outbound.client.admin.records import ListColumns
from cxone_outbound.client.errors import ConfigurationError


def test_a_remembered_mapping_wins_over_the_setting_and_is_kept_per_tenant(
        tmp_path: Path) -> None:
    store = MappingStore(tmp_path / "m.json")
    mine = ListColumns(external_id="Ref", phone="Mobile", attributes=frozenset({"tier"}))
    store.put("t1", "12", mine)
    assert resolve(MappingStore(tmp_path / "m.json"), "t1", "12", "externalId=X,phone=Y") == mine
    assert resolve(store, "t2", "12", "externalId=X,phone=Y").external_id == "X"


def test_a_list_of_unknown_mapping_is_refused_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="list_columns"):
        resolve(MappingStore(tmp_path / "m.json"), "t", "12", None)


def test_a_mapping_setting_reads_roles_and_attributes() -> None:
    columns = ListColumns.parse("externalId=Ref, phone=Mobile, firstName=Given, attributes=a;b")
    assert (columns.external_id, columns.phone, columns.first_name, columns.last_name) == (
        "Ref", "Mobile", "Given", None)
    assert columns.uncarried(["a", "c", "Ref"]) == ["c"]
    assert ListColumns.parse("externalId=R,phone=P,attributes=*").uncarried(["c"]) == []


@pytest.mark.parametrize("spec", ["phone=P", "externalId=R", "externalId=R,phone=P,fax=F"])
def test_a_mapping_setting_without_the_needed_roles_or_with_unknown_ones_is_refused(
        spec: str) -> None:
    with pytest.raises(ValueError):
        ListColumns.parse(spec)
