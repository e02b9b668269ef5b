"""The client's parsers against the published replies (tests/contracts/admin) of the DNC,
skill, campaign and business-unit endpoints: each is read as published, and each with a key
renamed is drift naming its endpoint, never an empty result."""

from __future__ import annotations

from typing import Any

import pytest
from tests.contracts.contract_files import contract

from cxone_outbound.client.admin import contract as shapes
from cxone_outbound.client.errors import SchemaDrift

READERS: dict[str, shapes.Shape] = {
    "get-dnc-groups": shapes.DNC_GROUPS,
    "post-dnc-groups": shapes.DNC_GROUP_WRITE,
    "put-dnc-group": shapes.DNC_GROUP_WRITE,
    "get-dnc-group-records": shapes.DNC_RECORDS,
    "post-dnc-group-records": shapes.DNC_RECORDS_ADD,
    "delete-dnc-group-records": shapes.DNC_RECORDS_REMOVE,
    "post-dnc-groups-search": shapes.DNC_SEARCH,
    "get-skills": shapes.SKILLS,
    "get-skill": shapes.SKILL,
    "post-skills": shapes.SKILLS_CREATE,
    "put-skill": shapes.SKILL_UPDATE,
    "get-skill-parameters": shapes.SKILL_PARAMETERS,
    "get-campaigns": shapes.CAMPAIGNS,
    "get-campaign": shapes.CAMPAIGN,
    "post-campaigns": shapes.CAMPAIGN_CREATE,
    "get-campaign-skills": shapes.CAMPAIGN_SKILLS,
    "get-business-unit": shapes.BUSINESS_UNIT,
}


@pytest.mark.parametrize("name", sorted(READERS))
def test_the_published_reply_is_read(name: str) -> None:
    fixture = contract(name)
    shape = READERS[name]
    assert fixture["endpoint"].split()[1].startswith(shape.endpoint.split()[1])
    found = shapes.read(shape, fixture["reply"])
    assert shape.keys <= set(found)


def _renamed(body: Any, key: str) -> Any:
    if isinstance(body, dict):
        return {(k + "X" if k == key else k): _renamed(v, key) for k, v in body.items()}
    if isinstance(body, list):
        return [_renamed(item, key) for item in body]
    return body


@pytest.mark.parametrize("name", sorted(READERS))
def test_a_reply_with_a_required_key_renamed_is_drift(name: str) -> None:
    shape = READERS[name]
    key = sorted(shape.keys)[0]
    with pytest.raises(SchemaDrift) as caught:
        shapes.read(shape, _renamed(contract(name)["reply"], key))
    assert caught.value.endpoint == shape.endpoint


def test_a_bare_section_is_what_get_general_settings_answers() -> None:
    reply = contract("get-skill-general-settings")["reply"]
    assert "generalSettings" not in reply and "maximumAttempts" in reply


def test_a_skill_is_read_bare_or_as_the_first_of_skills() -> None:
    bare = contract("get-skill")["reply"]
    assert shapes.read_skill(bare) == shapes.read_skill({"skills": [bare]}) == bare
