"""The demo workload: seeded, messy in known ways, and valid where it claims to be."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator

import phonenumbers

from cxone_outbound.demo import workload
from cxone_outbound.demo.phones import REGION_WEIGHTS, pick_region, valid_phone, write_trunk_zero
from cxone_outbound.phones import normalize_phone


def _contacts(seed: int, n: int = 2000) -> list[workload.Contact]:
    return list(workload.contacts(random.Random(seed), n, "b1"))


def test_the_same_seed_gives_the_same_contacts() -> None:
    assert [c.row for c in _contacts(3)] == [c.row for c in _contacts(3)]


def test_another_seed_gives_other_contacts() -> None:
    assert [c.row for c in _contacts(3)] != [c.row for c in _contacts(4)]


def test_rows_match_the_header() -> None:
    assert {len(c.row) for c in _contacts(1)} == {len(workload.CONTACT_COLUMNS)}


def test_valid_phones_are_valid_for_their_region() -> None:
    rng = random.Random(5)
    for _ in range(500):
        phone = valid_phone(rng, pick_region(rng))
        assert phonenumbers.is_valid_number(phone.number)
        assert phonenumbers.region_code_for_number(phone.number) == phone.region


def test_every_region_appears() -> None:
    rng = random.Random(2)
    assert {pick_region(rng) for _ in range(3000)} == set(REGION_WEIGHTS)


def test_clean_rows_are_readable_with_a_us_default_region() -> None:
    clean = [c for c in _contacts(7) if c.kind == "clean"]
    assert clean
    for contact in clean:
        assert contact.phone is not None
        result = normalize_phone(contact.row[0], "US")
        assert result.e164 == contact.phone.e164, contact.row[0]


def test_every_kind_of_mess_is_present() -> None:
    kinds = Counter(c.kind for c in _contacts(11, 5000))
    for kind in ("junk_phone", "foreign_national", "trunk_zero", "toll_free", "duplicate",
                 "bad_email"):
        assert kinds[kind] > 0, kind
    assert kinds["clean"] > 0.8 * sum(kinds.values())


def test_a_trunk_zero_number_normalises_to_the_number() -> None:
    phone = valid_phone(random.Random(1), "GB")
    assert normalize_phone(write_trunk_zero(phone), "US").e164 == phone.e164


def test_updates_name_known_ids_and_a_few_unknown_ones() -> None:
    ids = [f"id-{i}" for i in range(1000)]
    rows = workload.update_rows(random.Random(1), ids, 800)
    assert len(rows) == 800
    unknown = [r for r in rows if r[0] not in ids]
    assert 0 < len(unknown) < 60
    assert all(r[1] or r[2] for r in rows)  # every change changes something


def test_the_crm_extract_covers_part_of_the_list_with_gaps() -> None:
    ids = [f"id-{i}" for i in range(2000)]
    rows = list(workload.crm_rows(random.Random(2), ids))
    assert 0.5 * len(ids) < len(rows) < 0.7 * len(ids)
    assert {len(r) for r in rows} == {len(workload.CRM_COLUMNS)}
    assert any(r[2] == "" for r in rows) and any(r[2] == "high" for r in rows)


def test_suppressions_come_from_the_list_some_written_with_a_trunk_zero() -> None:
    rng = random.Random(3)
    phones = [valid_phone(rng, "GB").e164 for _ in range(3000)]
    written = workload.suppression_phones(random.Random(4), phones, share=0.2)
    assert written
    assert any(p not in phones for p in written)
    assert {normalize_phone(p, "US").e164 for p in written} <= set(phones)


def test_a_sample_from_a_stream_read_once_is_seeded_and_distinct() -> None:
    def stream() -> Iterator[int]:
        yield from range(10_000)

    first = workload.sample(random.Random(5), stream(), 300)
    assert first == workload.sample(random.Random(5), stream(), 300)
    assert len(set(first)) == 300
    assert first != workload.sample(random.Random(6), stream(), 300)


def test_a_sample_of_a_short_stream_is_all_of_it() -> None:
    assert sorted(workload.sample(random.Random(1), iter("abc"), 10)) == ["a", "b", "c"]


def test_a_sample_favours_no_part_of_the_stream() -> None:
    picks = Counter(i // 1000 for seed in range(40)
                    for i in workload.sample(random.Random(seed), iter(range(10_000)), 250))
    assert min(picks.values()) > 0.7 * max(picks.values())  # ten tenths, ~1,000 picks each


def test_updates_and_the_crm_extract_are_drawn_from_ids_streamed_once() -> None:
    ids = (f"id-{i}" for i in range(2000))  # a generator: read once, never held
    rows = workload.update_rows(random.Random(1), ids, 100)
    assert len(rows) == 100
    crm = list(workload.crm_rows(random.Random(2), (f"id-{i}" for i in range(2000))))
    assert 0.5 * 2000 < len(crm) < 0.7 * 2000
