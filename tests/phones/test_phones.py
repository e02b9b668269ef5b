"""Specification of phone normalisation, classification, policy and the disposable list."""

from __future__ import annotations

import random
from collections.abc import Sequence

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxone_outbound.phones import (
    DisposableList,
    DisposableListError,
    LineType,
    OfflineLineTypeLookup,
    PhoneNormalizer,
    PhonePolicy,
    PhoneResult,
    Reason,
    normalize_phone,
    parse_line_type,
    screen_phones,
)
from cxone_outbound.phones import normalize as phones

# --- formats that normalise -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("(212) 555-0123", "US", "+12125550123"),
        ("212.555.0123", "US", "+12125550123"),
        ("  212 555 0123\t", "US", "+12125550123"),
        ("1-212-555-0123", "US", "+12125550123"),
        ("+1 (212) 555-0123", "GB", "+12125550123"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("(613) 555-0199", "CA", "+16135550199"),
        ("0044 20 7946 0958", "GB", "+442079460958"),
        ("0044 20 7946 0958", "US", "+442079460958"),
        ("011 44 20 7946 0958", "US", "+442079460958"),
        ("011 44 20 7946 0958", "GB", "+442079460958"),
        ("1-800-FLOWERS", "US", "+18003569377"),
        ("+12125550123", None, "+12125550123"),
    ],
)
def test_formats_normalise_to_e164(raw: str, region: str | None, e164: str) -> None:
    result = normalize_phone(raw, region)
    assert result.ok, result
    assert result.e164 == e164


def test_extension_is_split_off_and_kept() -> None:
    result = normalize_phone("(212) 555-0123 ext. 42", "US")
    assert (result.e164, result.extension) == ("+12125550123", "42")


def test_default_region_reading_wins_over_international_prefix() -> None:
    # 0114 is Sheffield: read nationally in GB, not as the NANP exit code 011.
    assert normalize_phone("0114 496 0000", "GB").e164 == "+441144960000"


def test_already_e164_number_is_unchanged_and_accepted() -> None:
    result = normalize_phone("+442079460958", "US")
    assert result.ok and not result.changed


def test_reformatted_number_is_marked_changed() -> None:
    assert normalize_phone("(212) 555-0123", "US").changed


# --- classification ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "line_type", "region"),
    [
        ("+447400123456", LineType.MOBILE, "GB"),
        ("+442079460958", LineType.FIXED_LINE, "GB"),
        ("+12125550123", LineType.FIXED_LINE_OR_MOBILE, "US"),
        ("+445612345678", LineType.VOIP, "GB"),
        ("+18005550123", LineType.TOLL_FREE, "US"),
        ("+19005550123", LineType.PREMIUM_RATE, "US"),
        ("+43810123456", LineType.SHARED_COST, "AT"),
        ("+447012345678", LineType.PERSONAL_NUMBER, "GB"),
        ("+447640123456", LineType.PAGER, "GB"),
        ("+445512345678", LineType.UAN, "GB"),
        ("+16135550199", LineType.FIXED_LINE_OR_MOBILE, "CA"),
        ("+447624123456", LineType.MOBILE, "IM"),
        ("+80012345678", LineType.TOLL_FREE, "001"),
    ],
)
def test_line_type_and_region_come_from_metadata(
    raw: str, line_type: LineType, region: str
) -> None:
    result = normalize_phone(raw, None)
    assert (result.line_type, result.region) == (line_type, region)


def test_voicemail_numbers_are_classified() -> None:
    example = phonenumbers.example_number_for_type("CH", phonenumbers.PhoneNumberType.VOICEMAIL)
    assert example is not None
    raw = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
    assert normalize_phone(raw, None).line_type is LineType.VOICEMAIL


def _random_numbers(count: int) -> list[str]:
    """Random digits behind every country code, and as many behind +1 (NANP's many regions)."""
    rng = random.Random(5)
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    out = []
    for _ in range(count):
        region = rng.choice(regions)
        cc = phonenumbers.country_code_for_region(region)
        out.append(f"+{cc}{rng.randrange(10**5, 10**11)}")
        out.append(f"+1{rng.randrange(2 * 10**9, 10**10)}")
    return out


def test_classification_agrees_with_the_public_phonenumbers_api() -> None:
    for raw in _random_numbers(3000):
        number = phonenumbers.parse(raw, None)
        valid = phonenumbers.is_valid_number(number)
        result = normalize_phone(raw, None)
        assert result.ok == valid, raw
        if valid:
            assert result.e164 == phonenumbers.format_number(
                number, phonenumbers.PhoneNumberFormat.E164
            )
            assert result.line_type.value == LineType(
                phones._PN_TYPE_TO_LINE_TYPE[phonenumbers.number_type(number)]
            ), raw
            assert result.region == phonenumbers.region_code_for_number(number)


# --- differential: the fast reader against the public phonenumbers calls ----------------------

_FORMATS = (
    phonenumbers.PhoneNumberFormat.E164,
    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
    phonenumbers.PhoneNumberFormat.NATIONAL,
    phonenumbers.PhoneNumberFormat.RFC3966,
)
_DEFAULT_REGIONS = ("US", "GB", "CA", "DE", "IT", "AR", "BR", "MX", "RU", "001", "ZZ", None)
_DECORATIONS = (" ext. 12", " x 7", " #", "#", " ,,4", ";ext=99", " / x2", " (home)")


def _punctuate(rng: random.Random, digits: str) -> str:
    """`digits` cut into groups by the separators people type."""
    out, i = [], 0
    while i < len(digits):
        step = rng.randint(1, 4)
        out.append(digits[i : i + step])
        i += step
    sep = rng.choice([" ", "-", ".", "/", "", " - "])
    text = sep.join(out)
    if rng.random() < 0.2 and len(out) > 1:
        text = f"({out[0]}) " + sep.join(out[1:])
    return text


def _metadata(region: str) -> phonenumbers.PhoneMetadata:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    assert metadata is not None
    return metadata


# Corners of phonenumbers' parse a random corpus rarely reaches.
_EDGE_CASES: list[tuple[str, str | None]] = [
    ("2252150491", "AR"),  # a national prefix transform that would leave an invalid number
    ("011 15-2345-6789", "AR"),
    ("0 15 (11) 96123-4567", "BR"),
    ("044 55 1234 5678", "MX"),
    ("+39 02 1234 5678", None),  # italian leading zero
    ("+39 0000", None),
    ("+39 000 000", "IT"),
    ("+800 1234 5678", None),  # non-geographic entities
    ("+882 1234 5678 90", "US"),
    ("+979 123 456 789", None),
    ("+1 684 733 1234", "US"),  # NANPA regions sharing +1
    ("+1 876 532 1234", "CA"),
    ("+1 310 555 0123", None),
    ("00", "US"),
    ("+", None),
    ("++44 20 7946 0958", None),
    ("+0044 20 7946 0958", "US"),
    ("011 0 44 20 7946 0958", "US"),  # an international prefix followed by 0 is not one
    ("+011 44 20 7946 0958", "US"),
    ("+1 011 44", "US"),
    ("44 20 7946 0958", "GB"),  # the default country code written without +
    ("1 212 555 0123 4", "US"),
    ("7 495 123 45 67", "RU"),
    ("8 495 123 45 67", "RU"),
    ("8 (800) 555-35-35", "RU"),
    ("0 800 555 35 35", "DE"),
    ("1-800-FLOWERS", "US"),
    ("(530) 583-6985 x302/x2303", "US"),
    ("tel:+1-212-555-0123;ext=4", None),
    ("tel:555-0123;phone-context=+1-212", None),
    ("+44 (0) 20 7946 0958", "US"),
    ("12+345", "US"),
    ("(+) 1", "US"),
    ("-- 5 --", "US"),
]


def _mixed_corpus(count: int, seed: int) -> list[tuple[str, str | None]]:
    """(raw, default region) pairs: valid, mutated and random numbers of every country code,
    written as E.164, international with +, 00 or 011, national with and without prefix and
    carrier code, RFC 3966, with extensions, letters, other scripts' digits and junk."""
    rng = random.Random(seed)
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    # national prefixes with a transform rule (AR, BR, MX, ...) are the rarest code path
    regions += [r for r in regions if _metadata(r).national_prefix_transform_rule] * 3
    non_geo = sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS)
    types = list(phones._PN_TYPE_TO_LINE_TYPE)
    out: list[tuple[str, str | None]] = []
    while len(out) < count:
        region = rng.choice(regions)
        default = region if rng.random() < 0.5 else rng.choice(_DEFAULT_REGIONS)
        if rng.random() < 0.1:
            cc = rng.choice(non_geo)
            example = phonenumbers.example_number_for_non_geo_entity(cc)
        else:
            cc = phonenumbers.country_code_for_region(region)
            example = phonenumbers.example_number_for_type(region, rng.choice(types))
        roll = rng.random()
        if example is not None and roll < 0.65:
            nsn = phonenumbers.national_significant_number(example)
            if rng.random() < 0.3:  # mutate: a digit changed, added or dropped
                i = rng.randrange(len(nsn))
                nsn = rng.choice(
                    (
                        nsn[:i] + str(rng.randrange(10)) + nsn[i + 1 :],
                        nsn + str(rng.randrange(10)),
                        nsn[:i] + nsn[i + 1 :],
                    )
                )
            number = phonenumbers.PhoneNumber(country_code=cc, national_number=int(nsn or "0"))
            if nsn.startswith("0"):
                number.italian_leading_zero = True
                number.number_of_leading_zeros = len(nsn) - len(nsn.lstrip("0")) or None
            style = rng.randrange(8)
            if style < 4:
                raw = phonenumbers.format_number(number, _FORMATS[style])
            elif style == 4:
                carrier = rng.choice(("15", "21", "0", "8"))
                raw = phonenumbers.format_national_number_with_carrier_code(number, carrier)
            else:
                raw = rng.choice(("+", "00", "011", "+0", "++", "", "0", "1"))
                raw += rng.choice(("", " ")) + str(cc) + " " + _punctuate(rng, nsn)
        elif roll < 0.85:
            digits = str(rng.randrange(10 ** rng.randint(1, 17)))
            prefix = rng.choice(("+", "00", "011", "0", "", "", "1", f"+{cc}", f"00{cc}"))
            raw = prefix + _punctuate(rng, digits)
        else:
            raw = "".join(rng.choice("0123456789+-() ./xX#*;,e") for _ in range(rng.randint(0, 25)))
        roll = rng.random()
        if roll < 0.05:
            raw += rng.choice(_DECORATIONS)
        elif roll < 0.08:
            raw = rng.choice(("tel: ", "n/a ", "Tel ", "  ", "(", "-")) + raw
        elif roll < 0.1:
            raw = raw.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        elif roll < 0.12:
            raw = raw.replace("2", "A").replace("7", "s")
        out.append((raw, default))
    return out


def _reference(raw: str, region: str | None) -> PhoneResult:
    """What `normalize_phone` must answer, from the public phonenumbers calls alone."""

    def read(text: str) -> PhoneResult:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException as exc:
            reason, detail = phones._PARSE_ERROR_REASON[exc.error_type]
            return PhoneResult(raw, None, reason=reason, detail=detail)
        found = phonenumbers.region_code_for_number(number)
        if not phonenumbers.is_valid_number(number):
            possible = phonenumbers.is_possible_number_with_reason(number)
            reason, detail = phones._POSSIBILITY_REASON.get(
                possible, (Reason.INVALID_FOR_REGION, "not a valid number for its region")
            )
            return PhoneResult(raw, None, region=found, reason=reason, detail=detail)
        return PhoneResult(
            raw,
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
            region=found,
            line_type=phones._PN_TYPE_TO_LINE_TYPE[phonenumbers.number_type(number)],
            extension=number.extension or None,
        )

    if not raw.strip():
        return PhoneResult(raw, None, reason=Reason.NOT_A_NUMBER, detail="empty")
    first = read(raw)
    if first.ok:
        return first
    stripped = raw.lstrip(" \t\r\n()-./")
    for prefix in ("00", "011"):
        if stripped.startswith(prefix) and len(stripped) > len(prefix):
            second = read("+" + stripped[len(prefix) :])
            return second if second.ok else first
    return first


def test_corpus_mixes_every_outcome() -> None:
    # the differential test below is only as good as the variety it sees
    results = [normalize_phone(raw, region) for raw, region in _mixed_corpus(5000, seed=7)]
    assert {r.reason for r in results} >= {None, *set(Reason)} - {
        Reason.REGION_NOT_ALLOWED,
        Reason.BLOCKED_LINE_TYPE,
        Reason.DISPOSABLE,
        Reason.NOT_DIALABLE,  # a verdict's, not a reading's (sanitise --check)
    }
    assert {r.line_type for r in results if r.ok} == set(LineType) - {LineType.UNKNOWN}
    assert sum(r.extension is not None for r in results) > 10
    assert len({r.region for r in results if r.ok}) > 150


def test_normaliser_agrees_with_the_public_phonenumbers_calls_on_a_mixed_corpus() -> None:
    corpus = _EDGE_CASES + _mixed_corpus(50_000, seed=5)
    mismatches = [
        (raw, region, ours, expected)
        for raw, region in corpus
        if (ours := normalize_phone(raw, region))
        != (expected := _reference(raw, region.upper() if region else None))
    ]
    assert mismatches[:5] == []


_plain_text = st.text(alphabet="0123456789+-.()/ ", max_size=24)
_regions = st.sampled_from(["US", "GB", "CA", "AR", "BR", "IT", "RU", "AU", "001", None])


@settings(max_examples=500, deadline=None)
@given(raw=_plain_text, region=_regions)
def test_plain_text_reads_as_the_public_phonenumbers_calls_read_it(
    raw: str, region: str | None
) -> None:
    assert normalize_phone(raw, region) == _reference(raw, region)


# --- rejection reasons -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        ("", "US", Reason.NOT_A_NUMBER),
        ("   ", "US", Reason.NOT_A_NUMBER),
        ("call me maybe", "US", Reason.NOT_A_NUMBER),
        ("n/a", "US", Reason.NOT_A_NUMBER),
        ("+999 1234567", "US", Reason.INVALID_COUNTRY_CODE),
        ("2125550123", None, Reason.INVALID_COUNTRY_CODE),
        ("+44 1", "US", Reason.TOO_SHORT),
        ("12", "US", Reason.TOO_SHORT),
        ("555-0123", "US", Reason.TOO_SHORT),
        ("+1 212 555 012", "US", Reason.TOO_SHORT),
        ("+44 12345678901234567", "US", Reason.TOO_LONG),
        ("+1 2125550123456", "US", Reason.TOO_LONG),
        ("+1 123 456 7890", "US", Reason.INVALID_FOR_REGION),
        ("+44 20 1234 567", "US", Reason.INVALID_FOR_REGION),
    ],
)
def test_unreadable_numbers_get_their_reason(raw: str, region: str | None, reason: Reason) -> None:
    result = normalize_phone(raw, region)
    assert result.reason is reason, result
    assert result.e164 is None
    assert result.detail


def test_non_string_input_is_read_as_text() -> None:
    assert normalize_phone(12125550123, "US").e164 == "+12125550123"
    assert normalize_phone(None, "US").reason is Reason.NOT_A_NUMBER


def test_huge_input_is_not_a_number() -> None:
    assert normalize_phone("1" * 100_000, "US").reason is Reason.NOT_A_NUMBER


@settings(max_examples=400, deadline=None)
@given(raw=st.text(), region=st.sampled_from(["US", "GB", "CA", "DE", None]))
def test_any_text_gets_a_result_or_a_reason(raw: str, region: str | None) -> None:
    result = normalize_phone(raw, region)
    assert result.raw == raw
    assert (result.e164 is not None) == result.ok
    assert result.ok or isinstance(result.reason, Reason)


_phoneish = st.text(alphabet="0123456789+-() .x#*extTEL/", max_size=40)


@settings(max_examples=400, deadline=None)
@given(raw=_phoneish, region=st.sampled_from(["US", "GB", "CA", "001", "ZZ", None]))
def test_phone_like_text_gets_a_result_or_a_reason(raw: str, region: str | None) -> None:
    result = normalize_phone(raw, region)
    if result.ok:
        assert result.e164 is not None
        assert phonenumbers.is_valid_number(phonenumbers.parse(result.e164, None))


@settings(max_examples=100, deadline=None)
@given(raw=st.text(min_size=200, max_size=5000))
def test_long_hostile_text_gets_a_reason(raw: str) -> None:
    result = normalize_phone(raw, "US")
    assert result.ok or result.reason is not None


# --- memo --------------------------------------------------------------------------------------


def test_memo_returns_the_same_result_for_a_repeated_raw_value() -> None:
    normalizer = PhoneNormalizer("US")
    first = normalizer("(212) 555-0123")
    assert normalizer("(212) 555-0123") is first
    assert (normalizer.hits, normalizer.misses) == (1, 1)


def test_memo_is_keyed_by_default_region() -> None:
    normalizer = PhoneNormalizer("US")
    assert normalizer("020 7946 0958", "GB").e164 == "+442079460958"
    assert normalizer("020 7946 0958").ok is False


def test_memo_is_bounded_and_evicts_least_recently_used() -> None:
    normalizer = PhoneNormalizer("US", max_size=2)
    normalizer("2125550101")
    normalizer("2125550102")
    normalizer("2125550101")  # refresh
    normalizer("2125550103")  # evicts ...0102
    assert len(normalizer) == 2
    misses = normalizer.misses
    normalizer("2125550101")
    assert normalizer.misses == misses
    normalizer("2125550102")
    assert normalizer.misses == misses + 1


# --- policy ------------------------------------------------------------------------------------


def test_policy_rejects_a_region_not_allowed_and_keeps_the_number() -> None:
    policy = PhonePolicy(allowed_regions=frozenset({"US"}))
    result = policy.judge(normalize_phone("+442079460958"))
    assert result.reason is Reason.REGION_NOT_ALLOWED
    assert result.e164 == "+442079460958"


def test_policy_rejects_a_blocked_line_type() -> None:
    policy = PhonePolicy(blocked_line_types=frozenset({LineType.VOIP}))
    assert policy.judge(normalize_phone("+445612345678")).reason is Reason.BLOCKED_LINE_TYPE


def test_policy_rejects_a_disposable_number() -> None:
    policy = PhonePolicy(disposable=DisposableList(["+12125550123"]))
    assert policy.judge(normalize_phone("(212) 555-0123")).reason is Reason.DISPOSABLE


def test_policy_keeps_an_unreadable_numbers_first_reason() -> None:
    policy = PhonePolicy(allowed_regions=frozenset({"US"}))
    assert policy.judge(normalize_phone("junk")).reason is Reason.NOT_A_NUMBER


def test_policy_checks_region_before_line_type() -> None:
    policy = PhonePolicy(frozenset({"US"}), frozenset({LineType.VOIP}))
    assert policy.judge(normalize_phone("+445612345678")).reason is Reason.REGION_NOT_ALLOWED


def test_line_type_names_accept_common_spellings() -> None:
    assert parse_line_type("VoIP") is LineType.VOIP
    assert parse_line_type("toll-free") is LineType.TOLL_FREE
    assert parse_line_type("TOLL_FREE") is LineType.TOLL_FREE
    assert parse_line_type("landline") is LineType.FIXED_LINE
    with pytest.raises(ValueError, match="unknown line type"):
        parse_line_type("carrier pigeon")


# --- disposable list ---------------------------------------------------------------------------


def test_disposable_exact_number_matches_only_itself() -> None:
    disposable = DisposableList.from_lines(["+12125550123"])
    assert "+12125550123" in disposable
    assert "+121255501234" not in disposable
    assert "+12125550124" not in disposable


def test_disposable_prefix_matches_every_number_under_it() -> None:
    disposable = DisposableList.from_lines(["+1555*", "+4475*"])
    assert "+15551234567" in disposable
    assert "+447512345678" in disposable
    assert "+447412345678" not in disposable
    assert "+1556" not in disposable


def test_disposable_prefix_found_among_many_neighbours() -> None:
    prefixes = [f"+1{n:05d}*" for n in range(0, 100_000, 7)]
    disposable = DisposableList.from_lines([*prefixes, "+99*", "+3*"])
    assert "+100007999" in disposable
    assert "+100008000" not in disposable
    assert "+3123" in disposable
    assert "+2" not in disposable


def test_disposable_prefix_covered_by_a_shorter_one_still_matches() -> None:
    disposable = DisposableList.from_lines(["+4475*", "+44751*", "+447512*"])
    assert len(disposable) == 1
    assert "+447599999999" in disposable


@settings(max_examples=200, deadline=None)
@given(
    prefixes=st.lists(st.text(alphabet="0123", min_size=1, max_size=5), max_size=30),
    number=st.text(alphabet="0123", min_size=1, max_size=8),
)
def test_disposable_prefix_match_equals_a_linear_scan(prefixes: list[str], number: str) -> None:
    disposable = DisposableList.from_lines([f"+{p}*" for p in prefixes])
    expected = any(number.startswith(p) for p in prefixes)
    assert (f"+{number}" in disposable) == expected


def test_disposable_file_skips_comments_and_blank_lines() -> None:
    disposable = DisposableList.from_lines(["# burner ranges", "", "+1555*  # test range"])
    assert "+15550000000" in disposable


@pytest.mark.parametrize("line", ["15551234", "+1-555-1234", "+*", "+1234567890123456", "+１２３"])
def test_disposable_file_refuses_a_line_that_is_not_e164(line: str) -> None:
    with pytest.raises(DisposableListError, match=r"<disposable>:2"):
        DisposableList.from_lines(["+1555*", line])


def test_disposable_file_that_is_missing_is_a_clear_error(tmp_path: object) -> None:
    with pytest.raises(DisposableListError, match="cannot read"):
        DisposableList.from_file(f"{tmp_path}/missing.txt")


# --- pluggable lookup --------------------------------------------------------------------------


class _CarrierLookup:
    """A stand-in for a paid carrier service: every number is VoIP; records its batches."""

    max_batch = 2

    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    async def line_types(self, numbers: Sequence[PhoneResult]) -> list[LineType]:
        self.batches.append([n.e164 or "" for n in numbers])
        return [LineType.VOIP for _ in numbers]


async def test_a_plugged_lookup_decides_line_types_in_batches() -> None:
    lookup = _CarrierLookup()
    policy = PhonePolicy(blocked_line_types=frozenset({LineType.VOIP}))
    raws = ["+12125550101", "junk", "+12125550102", "+12125550103"]
    results = await screen_phones(raws, PhoneNormalizer("US"), policy, lookup)
    assert [r.reason for r in results] == [
        Reason.BLOCKED_LINE_TYPE,
        Reason.NOT_A_NUMBER,
        Reason.BLOCKED_LINE_TYPE,
        Reason.BLOCKED_LINE_TYPE,
    ]
    assert lookup.batches == [["+12125550101", "+12125550102"], ["+12125550103"]]


async def test_offline_lookup_keeps_libphonenumber_types() -> None:
    results = await screen_phones(
        ["+445612345678"], PhoneNormalizer(), PhonePolicy(), OfflineLineTypeLookup()
    )
    assert results[0].line_type is LineType.VOIP


def test_a_phone_shown_as_digits_reads_in_the_region_else_as_plus_digits() -> None:
    from cxone_outbound.phones import PhoneNormalizer, as_written

    normalize = PhoneNormalizer("US")
    assert as_written("4155550100", normalize) == "4155550100"
    assert as_written("442079460958", normalize) == "+442079460958"
    assert as_written("+1 415", normalize) == "+1 415"
