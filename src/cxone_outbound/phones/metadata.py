"""phonenumbers' metadata compiled once, and what it says of a parsed number.

Why: phonenumbers recompiles every pattern it touches (its pattern cache is off by default) and
classifies a number twice when validating. Here each region's patterns are compiled on first
use and a number's region and type are found in one pass (`classify`), exactly as
`region_code_for_number`, `is_valid_number` and `number_type` decide (`reader` reads the text).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from phonenumbers import PhoneMetadata, PhoneNumberType
from phonenumbers import phonenumberutil as _pnu

__all__ = ["classify", "length_check"]

_UNKNOWN = PhoneNumberType.UNKNOWN
_CC_TO_REGIONS: dict[int, tuple[str, ...]] = phonenumbers.COUNTRY_CODE_TO_REGION_CODE
_SUPPORTED_REGIONS: frozenset[str] = frozenset(phonenumbers.SUPPORTED_REGIONS)
_VR = _pnu.ValidationResult
_MIN_NSN, _MAX_NSN, _MAX_CC = 2, 17, 3


_Desc = tuple[frozenset[int], "re.Pattern[str]"]


def _desc(desc: object) -> _Desc | None:
    """A number description as (possible lengths, compiled pattern); None when it never matches."""
    pattern = getattr(desc, "national_number_pattern", None)
    if desc is None or not pattern:
        return None
    return frozenset(getattr(desc, "possible_length", ()) or ()), re.compile(pattern)


def _at_length(desc: _Desc | None, length: int) -> re.Pattern[str] | None:
    """The pattern a number of `length` digits must match for `desc`, None when it cannot.

    phonenumbers' _is_number_matching_desc checks the possible lengths (when given) and then
    the pattern; the lengths part depends on the length alone, so it is decided once.
    """
    if desc is None:
        return None
    lengths, pattern = desc
    return pattern if not lengths or length in lengths else None


# Per number length: the general, special-type, fixed-line and mobile patterns that apply.
_TypePlan = tuple[
    "re.Pattern[str] | None",
    tuple[tuple[int, "re.Pattern[str]"], ...],
    "re.Pattern[str] | None",
    "re.Pattern[str] | None",
]
_NEVER: _TypePlan = (None, (), None, None)


def _type_plan(metadata: _Metadata, length: int) -> _TypePlan:
    general = _at_length(metadata.general, length)
    if general is None:
        return _NEVER
    special = tuple(
        (pn_type, pattern)
        for pn_type, desc in metadata.special
        if (pattern := _at_length(desc, length)) is not None
    )
    return (
        general,
        special,
        _at_length(metadata.fixed_line, length),
        _at_length(metadata.mobile, length),
    )


@dataclass(frozen=True, slots=True)
class _Metadata:
    """One region's metadata with every pattern the read and the classification use compiled."""

    country_code: int
    idd: re.Pattern[str] | None
    national_prefix: re.Pattern[str] | None
    transform: str | None
    general_pattern: re.Pattern[str] | None
    lengths: tuple[int, ...]
    local_lengths: tuple[int, ...]
    leading: re.Pattern[str] | None
    general: _Desc | None
    special: tuple[tuple[int, _Desc], ...]
    fixed_line: _Desc | None
    mobile: _Desc | None
    same_mobile_and_fixed_line: bool
    type_plans: dict[int, _TypePlan] = field(default_factory=dict, compare=False)

    @classmethod
    def compile(cls, metadata: PhoneMetadata) -> _Metadata:
        general_desc = metadata.general_desc
        general_pattern = general_desc.national_number_pattern if general_desc else None
        special = []
        for pn_type, desc in (
            (PhoneNumberType.PREMIUM_RATE, metadata.premium_rate),
            (PhoneNumberType.TOLL_FREE, metadata.toll_free),
            (PhoneNumberType.SHARED_COST, metadata.shared_cost),
            (PhoneNumberType.VOIP, metadata.voip),
            (PhoneNumberType.PERSONAL_NUMBER, metadata.personal_number),
            (PhoneNumberType.PAGER, metadata.pager),
            (PhoneNumberType.UAN, metadata.uan),
            (PhoneNumberType.VOICEMAIL, metadata.voicemail),
        ):
            matcher = _desc(desc)
            if matcher is not None:
                special.append((int(pn_type), matcher))
        prefix = metadata.national_prefix_for_parsing
        compiled = cls(
            country_code=metadata.country_code or 0,
            idd=re.compile(metadata.international_prefix)
            if metadata.international_prefix is not None
            else None,
            national_prefix=re.compile(prefix) if prefix else None,
            transform=metadata.national_prefix_transform_rule,
            general_pattern=re.compile(general_pattern) if general_pattern else None,
            lengths=tuple(general_desc.possible_length) if general_desc else (),
            local_lengths=tuple(general_desc.possible_length_local_only or ())
            if general_desc
            else (),
            leading=re.compile(metadata.leading_digits)
            if metadata.leading_digits is not None
            else None,
            general=_desc(general_desc),
            special=tuple(special),
            fixed_line=_desc(metadata.fixed_line),
            mobile=_desc(metadata.mobile),
            same_mobile_and_fixed_line=bool(metadata.same_mobile_and_fixed_line_pattern),
        )
        for length in range(_MAX_NSN + 1):
            compiled.type_plans[length] = _type_plan(compiled, length)
        return compiled

    def number_type(self, nsn: str) -> int:
        """phonenumbers' _number_type_helper: the first matching type, UNKNOWN when invalid."""
        plan = self.type_plans.get(len(nsn))
        if plan is None:
            plan = _type_plan(self, len(nsn))
        if plan is _NEVER:
            return _UNKNOWN
        general, special, fixed_line, mobile = plan
        if general is None or general.fullmatch(nsn) is None:
            return _UNKNOWN
        for pn_type, pattern in special:
            if pattern.fullmatch(nsn) is not None:
                return pn_type
        same = self.same_mobile_and_fixed_line
        if fixed_line is not None and fixed_line.fullmatch(nsn) is not None:
            if same or (mobile is not None and mobile.fullmatch(nsn) is not None):
                return PhoneNumberType.FIXED_LINE_OR_MOBILE
            return PhoneNumberType.FIXED_LINE
        if not same and mobile is not None and mobile.fullmatch(nsn) is not None:
            return PhoneNumberType.MOBILE
        return _UNKNOWN

    def length_check(self, nsn: str) -> int:
        """phonenumbers' _test_number_length for any type: a `ValidationResult`."""
        length = len(nsn)
        if length in self.local_lengths:
            return _VR.IS_POSSIBLE_LOCAL_ONLY
        lengths = self.lengths
        if lengths[0] == length:
            return _VR.IS_POSSIBLE
        if lengths[0] > length:
            return _VR.TOO_SHORT
        if lengths[-1] < length:
            return _VR.TOO_LONG
        return _VR.IS_POSSIBLE if length in lengths[1:] else _VR.INVALID_LENGTH

    def general_match(self, digits: str) -> bool:
        # phonenumbers' _match_national_number against the general description (no lengths)
        return (
            self.general_pattern is not None and self.general_pattern.fullmatch(digits) is not None
        )

    def strip_national_prefix(self, digits: str) -> str:
        """phonenumbers' _maybe_strip_national_prefix_carrier_code, carrier code dropped."""
        prefix = self.national_prefix
        if not digits or prefix is None:
            return digits
        match = prefix.match(digits)
        if match is None:
            return digits
        viable = self.general_match(digits)
        transform = self.transform
        if not transform or match.groups()[-1] is None:
            rest = digits[match.end() :]
            return digits if viable and not self.general_match(rest) else rest
        transformed = prefix.sub(transform, digits, count=1)
        return digits if viable and not self.general_match(transformed) else transformed


_BY_REGION: dict[str, _Metadata | None] = {}
_MAIN_BY_CODE: dict[int, _Metadata | None] = {}
_REGIONS_BY_CODE: dict[int, tuple[tuple[str, _Metadata], ...]] = {}


def _for_region(region: str) -> _Metadata | None:
    """A supported region's metadata (the default region of a read), compiled once."""
    try:
        return _BY_REGION[region]
    except KeyError:
        metadata = PhoneMetadata.metadata_for_region(region, None)
        compiled = _BY_REGION[region] = _Metadata.compile(metadata) if metadata else None
        return compiled


def _for_code(country_code: int) -> _Metadata | None:
    """The metadata of a country code's main region (or non-geographic entity), compiled once."""
    try:
        return _MAIN_BY_CODE[country_code]
    except KeyError:
        regions = _CC_TO_REGIONS.get(country_code)
        metadata = (
            PhoneMetadata.metadata_for_region_or_calling_code(country_code, regions[0])
            if regions
            else None
        )
        compiled = _MAIN_BY_CODE[country_code] = _Metadata.compile(metadata) if metadata else None
        return compiled


def _regions_for(country_code: int) -> tuple[tuple[str, _Metadata], ...]:
    """The regions sharing a country code, in phonenumbers' order, with compiled metadata."""
    try:
        return _REGIONS_BY_CODE[country_code]
    except KeyError:
        entries = []
        for region in _CC_TO_REGIONS.get(country_code, ()):
            metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
            if metadata is not None:
                entries.append((region, _Metadata.compile(metadata)))
        found = _REGIONS_BY_CODE[country_code] = tuple(entries)
        return found


# Where the candidates for a shared country code depend only on a number's first digits: its
# regions' leading-digits patterns consume at most that many digits (NANP: 4).
_PREFIX_WIDTH_LIMIT = 5  # at most 10**5 cached prefixes per code
_LOOKAROUND = re.compile(r"\(\?[=!<]|[$^]|\\[ZbBA]")
_Candidates = tuple[tuple[str, _Metadata, bool], ...]


def _leading_width(patterns: list[str]) -> int | None:
    """The most digits any of `patterns` can consume, when small and free of lookarounds."""
    try:
        parser: Any = importlib.import_module("re._parser")
        widths = [int(parser.parse(p).getwidth()[1]) for p in patterns]
    except Exception:  # another Python's regex internals: go without the prefix cache
        return None
    if any(_LOOKAROUND.search(p) for p in patterns):
        return None
    width = max(widths, default=0)
    return width if width <= _PREFIX_WIDTH_LIMIT else None


@dataclass(slots=True)
class _SharedCode:
    """The regions sharing a country code, and their candidates cached by first digits."""

    entries: tuple[tuple[str, _Metadata], ...]
    width: int | None
    by_prefix: dict[str, _Candidates] = field(default_factory=dict)

    def candidates(self, nsn: str) -> _Candidates:
        """The regions `region_code_for_number` would try for `nsn`, in order: every region
        without leading digits (full validation decides) up to the first whose leading digits
        match (flagged True: it is the region, valid or not)."""
        key = nsn if self.width is None else nsn[: self.width]
        found = self.by_prefix.get(key)
        if found is None:
            out: list[tuple[str, _Metadata, bool]] = []
            for region, metadata in self.entries:
                if metadata.leading is None:
                    out.append((region, metadata, False))
                elif metadata.leading.match(key):
                    out.append((region, metadata, True))
                    break
            found = tuple(out)
            if self.width is not None:
                self.by_prefix[key] = found
        return found


_SHARED: dict[int, _SharedCode] = {}


def _shared(country_code: int) -> _SharedCode:
    try:
        return _SHARED[country_code]
    except KeyError:
        entries = _regions_for(country_code)
        leading = [m.leading.pattern for _, m in entries if m.leading is not None]
        found = _SHARED[country_code] = _SharedCode(entries, _leading_width(leading))
        return found


def classify(country_code: int, nsn: str) -> tuple[str | None, int]:
    """(region, phonenumbers type) of a parsed number; type UNKNOWN means not valid.

    Exactly `region_code_for_number`, `is_valid_number` and `number_type` together, each
    region's type computed once: a region found by full validation (no leading digits, as US
    in +1) reuses that type.
    """
    regions = _CC_TO_REGIONS.get(country_code)
    if not regions:
        return None, _UNKNOWN
    if len(regions) == 1:
        # region_code_for_number names the only region even without metadata
        metadata = _for_code(country_code)
        return regions[0], metadata.number_type(nsn) if metadata is not None else _UNKNOWN
    for region, metadata, by_leading_digits in _shared(country_code).candidates(nsn):
        found = metadata.number_type(nsn)
        if by_leading_digits or found != _UNKNOWN:
            return region, found
    return None, _UNKNOWN


def length_check(country_code: int, nsn: str) -> int:
    """`is_possible_number_with_reason` of a parsed number: a `ValidationResult`."""
    metadata = _for_code(country_code)
    if metadata is None:
        return _VR.INVALID_COUNTRY_CODE
    return metadata.length_check(nsn)
