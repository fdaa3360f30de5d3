"""Parse and verify ICAO Doc 9303 machine-readable zones (MRZ).

Formats: TD3 passports (Part 4, 2 lines x 44), TD1 cards (Part 5, 3 x 30) and
TD2 cards (Part 6, 2 x 36). Check digits follow Part 3: character values
'<' = 0, '0'-'9' = 0-9, 'A'-'Z' = 10-35, multiplied by the repeating weights
7, 3, 1; the check digit is the sum mod 10.

Choices Doc 9303 leaves to the implementer:

* Structural problems (wrong line count, wrong line length, characters outside
  ``A-Z0-9<``) raise :class:`MrzError`: without them the zone cannot be laid
  out at all. Anything that *can* be located but is wrong (a failed check
  digit, a letter where a digit belongs, an impossible date, an unknown sex
  marker, ...) is reported in ``checks``/``issues`` and makes ``valid`` False,
  while every field is still returned so a caseworker can see what the zone
  claims.
* Two-digit years. The date of birth resolves to the latest date that is not
  after ``today`` (nobody is born in the future; people over 100 are the
  unavoidable ambiguity). The expiry date resolves into the 100-year window
  ``[today.year - 50, today.year + 49]``: documents run for about ten years,
  so the window covers every plausible current or lapsed document while still
  reaching decades into the future.
* ``expired`` is ``expiry_date < today`` (a document is good through its expiry
  day) and None when ``today`` is not given or the expiry is unreadable. When
  ``today`` is given, an expired document is not ``valid``: "can this document
  be relied on today?" should be one flag. Without ``today`` the system date is
  used only to resolve centuries, and ``valid`` ignores expiry.
* Long document numbers (TD1/TD2): when the number exceeds 9 characters the
  check-digit position holds '<' and the number continues in the optional data
  field, followed by its check digit, which covers the full number.
* TD3 personal number: if the field is all fillers its check digit may be '<'
  (read as 0) as well as '0', as Part 4 permits.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from returnhub.core.errors import InvalidInput

__all__ = ["CheckName", "CheckResult", "MrzError", "MrzFormat", "MrzResult", "check_digit", "parse_mrz"]

MrzFormat = Literal["TD1", "TD2", "TD3"]
CheckName = Literal["document_number", "date_of_birth", "expiry_date", "optional_data", "composite"]

_LETTERS = frozenset(string.ascii_uppercase)
_DIGITS = frozenset(string.digits)
_ALLOWED = _LETTERS | _DIGITS | {"<"}
_WEIGHTS = (7, 3, 1)

# (line count, line width) per format, and the single-string lengths they imply.
_LAYOUT: dict[MrzFormat, tuple[int, int]] = {"TD1": (3, 30), "TD2": (2, 36), "TD3": (2, 44)}
_SINGLE_LENGTH: dict[int, MrzFormat] = {90: "TD1", 72: "TD2", 88: "TD3"}
_TWO_LINE_WIDTH: dict[int, MrzFormat] = {44: "TD3", 36: "TD2"}
# First character of the document code: P for passports (Part 4); A, C or I for
# the card formats (Parts 5 and 6). Visas (V) use other layouts and are refused.
_DOC_TYPES: dict[MrzFormat, str] = {"TD1": "ACI", "TD2": "ACI", "TD3": "P"}

# [A-Z] rather than \d/\w so nothing outside the MRZ alphabet can ever match.
_COUNTRY_RE = re.compile(r"[A-Z]+<*")  # e.g. "UTO", "D<<"
_BIRTH_RE = re.compile(r"(?:[0-9]{2}|<<){3}")  # unknown parts are filled with '<'
_EXPIRY_RE = re.compile(r"[0-9]{6}")


class MrzError(ValueError):
    """The text cannot be read as an MRZ at all (shape or alphabet is wrong)."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check digit: the digit printed in the zone versus the recomputed one."""

    name: CheckName
    expected: int | None  # digit as printed; None if the position holds no digit
    computed: int
    ok: bool

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "expected": self.expected, "computed": self.computed, "ok": self.ok}


@dataclass(frozen=True, slots=True)
class MrzResult:
    """Fields of a parsed MRZ plus the outcome of every verification.

    Text fields have their '<' padding removed. ``optional_data`` is the TD3
    personal number, the TD2 optional data or the TD1 line-1 optional data;
    ``optional_data_2`` is TD1 line 2 only (None otherwise). ``sex`` is "M",
    "F", None for unspecified ('<'), or the offending character (then also
    listed in ``issues``). ``issues`` holds one human-readable line per problem,
    failed check digits included.
    """

    format: MrzFormat
    document_code: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    date_of_birth: date | None
    sex: str | None
    expiry_date: date | None
    optional_data: str
    optional_data_2: str | None
    checks: tuple[CheckResult, ...]
    issues: tuple[str, ...]
    expired: bool | None
    valid: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form: dates as ISO strings, checks as a list of dicts."""
        return {
            "format": self.format,
            "document_code": self.document_code,
            "issuing_state": self.issuing_state,
            "surname": self.surname,
            "given_names": self.given_names,
            "document_number": self.document_number,
            "nationality": self.nationality,
            "date_of_birth": None if self.date_of_birth is None else self.date_of_birth.isoformat(),
            "sex": self.sex,
            "expiry_date": None if self.expiry_date is None else self.expiry_date.isoformat(),
            "optional_data": self.optional_data,
            "optional_data_2": self.optional_data_2,
            "checks": [check.to_dict() for check in self.checks],
            "issues": list(self.issues),
            "expired": self.expired,
            "valid": self.valid,
        }


def _value(ch: str) -> int:
    if ch == "<":
        return 0
    if ch in _DIGITS:
        return ord(ch) - ord("0")
    return ord(ch) - ord("A") + 10


def check_digit(field: str) -> int:
    """Doc 9303 Part 3 check digit of ``field`` (raises MrzError on a non-MRZ character)."""
    for index, ch in enumerate(field):
        if ch not in _ALLOWED:
            raise MrzError(f"column {index + 1}: invalid character {ch!r}; only A-Z, 0-9 and '<' are allowed")
    return sum(_value(ch) * _WEIGHTS[index % 3] for index, ch in enumerate(field)) % 10


def _split_lines(text: str) -> tuple[MrzFormat, list[str]]:
    """Normalise the input to the format's lines, or raise MrzError saying what is wrong."""
    # Blank lines and per-line surrounding whitespace are copy/paste artefacts, not content.
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    fmt: MrzFormat | None
    if not lines:
        raise MrzError("MRZ is empty")
    if len(lines) == 1:
        single = lines[0]
        fmt = _SINGLE_LENGTH.get(len(single))
        if fmt is None:
            raise MrzError(
                f"line 1 has {len(single)} characters; a single-line MRZ must have "
                "88 (TD3), 90 (TD1) or 72 (TD2), otherwise give one MRZ line per text line"
            )
        count, width = _LAYOUT[fmt]
        lines = [single[i * width : (i + 1) * width] for i in range(count)]
    elif len(lines) == 2:
        fmt = _TWO_LINE_WIDTH.get(len(lines[0]))
        if fmt is None:
            raise MrzError(f"line 1 has {len(lines[0])} characters; a 2-line MRZ needs 44 (TD3) or 36 (TD2)")
    elif len(lines) == 3:
        fmt = "TD1"
    else:
        raise MrzError(f"MRZ has {len(lines)} lines; expected 2 (TD2/TD3) or 3 (TD1)")

    width = _LAYOUT[fmt][1]
    for number, line in enumerate(lines, 1):
        if len(line) != width:
            raise MrzError(f"line {number} has {len(line)} characters; {fmt} lines must have {width}")
        for column, ch in enumerate(line, 1):
            if ch not in _ALLOWED:
                raise MrzError(
                    f"line {number}, column {column}: invalid character {ch!r}; "
                    "only A-Z, 0-9 and '<' are allowed"
                )
    return fmt, lines


def _birth_date(raw: str, today: date) -> date | None:
    """Latest calendar date matching YYMMDD that is not after ``today``."""
    if not raw.isdigit():
        return None
    yy, mm, dd = int(raw[:2]), int(raw[2:4]), int(raw[4:])
    year = today.year - (today.year - yy) % 100  # latest year ending in yy, not after this year
    if year == today.year and (mm, dd) > (today.month, today.day):
        year -= 100
    try:
        return date(year, mm, dd)
    except ValueError:
        return None


def _expiry_date(raw: str, today: date) -> date | None:
    """YYMMDD placed in the window [today.year - 50, today.year + 49]."""
    if not raw.isdigit():
        return None
    yy, mm, dd = int(raw[:2]), int(raw[2:4]), int(raw[4:])
    low = today.year - 50
    try:
        return date(low + (yy - low) % 100, mm, dd)
    except ValueError:
        return None


def _split_name(raw: str) -> tuple[str, str]:
    """Primary and secondary identifiers: '<<' separates them, '<' separates words."""
    primary, _, secondary = raw.rstrip("<").partition("<<")
    return " ".join(primary.replace("<", " ").split()), " ".join(secondary.replace("<", " ").split())


class _Zone:
    """The validated lines plus the findings gathered while reading them.

    Positions are 1-based (line, column) to mirror the tables in Doc 9303.
    """

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.issues: list[str] = []
        self.checks: list[CheckResult] = []

    def get(self, line: int, column: int, length: int = 1) -> str:
        return self.lines[line - 1][column - 1 : column - 1 + length]

    def flag(self, line: int, column: int, message: str) -> None:
        self.issues.append(f"line {line}, column {column}: {message}")

    def verify(
        self, name: CheckName, data: str, line: int, column: int, *, filler_is_zero: bool = False
    ) -> None:
        """Compare the check digit at (line, column) with the one computed over ``data``."""
        ch = self.get(line, column)
        computed = check_digit(data)
        expected: int | None
        if ch in _DIGITS:
            expected = int(ch)
        elif ch == "<" and filler_is_zero:
            expected = 0
        else:
            expected = None
            self.flag(line, column, f"{name} check digit must be a digit, found {ch!r}")
        ok = expected == computed
        if expected is not None and not ok:
            self.flag(line, column, f"{name} check digit is {expected}, computed {computed}")
        self.checks.append(CheckResult(name=name, expected=expected, computed=computed, ok=ok))

    def header(self, fmt: MrzFormat) -> tuple[str, str]:
        """Document code and issuing state: line 1, columns 1-5, in every format."""
        code = self.get(1, 1, 2)
        if code[0] not in _DOC_TYPES[fmt]:
            allowed = " or ".join(_DOC_TYPES[fmt])
            self.flag(1, 1, f"document code {code!r} must start with {allowed} for {fmt}")
        if code[1] not in _LETTERS and code[1] != "<":
            self.flag(1, 2, f"second document code character {code[1]!r} must be a letter or '<'")
        return code.rstrip("<"), self.country(1, 3, "issuing state")

    def country(self, line: int, column: int, label: str) -> str:
        raw = self.get(line, column, 3)
        if not _COUNTRY_RE.fullmatch(raw):
            self.flag(line, column, f"{label} {raw!r} must be letters, padded on the right with '<'")
        return raw.rstrip("<")

    def name(self, line: int, column: int, length: int) -> tuple[str, str]:
        raw = self.get(line, column, length)
        for offset, ch in enumerate(raw):
            if ch in _DIGITS:
                self.flag(line, column + offset, f"digit {ch!r} in name; names use only A-Z and '<'")
                break
        return _split_name(raw)

    def document_number(
        self, line: int, column: int, *, long_form_in: tuple[int, int] | None
    ) -> tuple[str, int]:
        """9-character number with its check digit after it.

        ``long_form_in`` is the (column, length) of the optional data field that
        may carry the continuation of a long number (TD1/TD2 only). Returns the
        number (empty numbers are flagged) and how many leading characters of
        that field it consumed.
        """
        head = self.get(line, column, 9)
        digit_column = column + 9
        if head == "<" * 9:
            self.flag(line, column, "document number is empty")
        if long_form_in is None or self.get(line, digit_column) != "<":
            self.verify("document_number", head, line, digit_column)
            return head.rstrip("<"), 0
        opt_column, opt_length = long_form_in
        tail = self.get(line, opt_column, opt_length).split("<", 1)[0]
        if len(tail) < 2:  # at least one more character plus its check digit
            self.flag(
                line,
                digit_column,
                "document number check digit is '<' but the optional data holds no continuation",
            )
            self.checks.append(
                CheckResult(name="document_number", expected=None, computed=check_digit(head), ok=False)
            )
            return head.rstrip("<"), 0
        # The check digit covers the full number, without the '<' placeholder.
        self.verify("document_number", head + tail[:-1], line, opt_column + len(tail) - 1)
        # The continuation is terminated by one filler, which is not optional data.
        return head + tail[:-1], min(len(tail) + 1, opt_length)

    def dates_and_sex(
        self, line: int, birth_column: int, sex_column: int, expiry_column: int, today: date
    ) -> tuple[date | None, str | None, date | None]:
        birth_raw = self.get(line, birth_column, 6)
        birth: date | None = None
        if not _BIRTH_RE.fullmatch(birth_raw):
            self.flag(
                line, birth_column, f"date of birth {birth_raw!r} must be YYMMDD ('<<' for unknown parts)"
            )
        elif birth_raw.isdigit():
            birth = _birth_date(birth_raw, today)
            if birth is None:
                self.flag(line, birth_column, f"date of birth {birth_raw!r} is not a calendar date")
        self.verify("date_of_birth", birth_raw, line, birth_column + 6)

        sex_raw = self.get(line, sex_column)
        if sex_raw not in ("M", "F", "<"):
            self.flag(line, sex_column, f"sex {sex_raw!r} must be M, F or '<'")

        expiry_raw = self.get(line, expiry_column, 6)
        expiry: date | None = None
        if not _EXPIRY_RE.fullmatch(expiry_raw):
            self.flag(line, expiry_column, f"expiry date {expiry_raw!r} must be YYMMDD digits")
        else:
            expiry = _expiry_date(expiry_raw, today)
            if expiry is None:
                self.flag(line, expiry_column, f"expiry date {expiry_raw!r} is not a calendar date")
        self.verify("expiry_date", expiry_raw, line, expiry_column + 6)
        return birth, (None if sex_raw == "<" else sex_raw), expiry

    def composite(self, spans: tuple[tuple[int, int, int], ...], line: int, column: int) -> None:
        """Composite check over (line, first column, last column) spans, taken verbatim."""
        data = "".join(self.get(ln, first, last - first + 1) for ln, first, last in spans)
        self.verify("composite", data, line, column)


def parse_mrz(text: str, *, today: date | None = None) -> MrzResult:
    """Parse a TD1, TD2 or TD3 MRZ and verify its check digits and field syntax.

    ``text`` holds one MRZ line per text line, or the whole zone as a single
    string of 88 (TD3), 90 (TD1) or 72 (TD2) characters. Raises MrzError when
    the shape or alphabet is wrong; every other problem is reported in the result.
    """
    fmt, lines = _split_lines(text)
    reference = today if today is not None else date.today()
    zone = _Zone(lines)
    document_code, issuing_state = zone.header(fmt)
    optional_data_2: str | None = None

    if fmt == "TD1":
        document_number, used = zone.document_number(1, 6, long_form_in=(16, 15))
        optional_data = zone.get(1, 16 + used, 15 - used).rstrip("<")
        birth, sex, expiry = zone.dates_and_sex(2, 1, 8, 9, reference)
        nationality = zone.country(2, 16, "nationality")
        optional_data_2 = zone.get(2, 19, 11).rstrip("<")
        zone.composite(((1, 6, 30), (2, 1, 7), (2, 9, 15), (2, 19, 29)), 2, 30)
        surname, given_names = zone.name(3, 1, 30)
    else:
        width = _LAYOUT[fmt][1]
        surname, given_names = zone.name(1, 6, width - 5)
        document_number, used = zone.document_number(2, 1, long_form_in=None if fmt == "TD3" else (29, 7))
        nationality = zone.country(2, 11, "nationality")
        birth, sex, expiry = zone.dates_and_sex(2, 14, 21, 22, reference)
        if fmt == "TD3":
            personal = zone.get(2, 29, 14)
            # Part 4: an unused personal number may carry '<' as its check digit.
            zone.verify("optional_data", personal, 2, 43, filler_is_zero=personal == "<" * 14)
            optional_data = personal.rstrip("<")
            zone.composite(((2, 1, 10), (2, 14, 20), (2, 22, 43)), 2, 44)
        else:
            optional_data = zone.get(2, 29 + used, 7 - used).rstrip("<")
            zone.composite(((2, 1, 10), (2, 14, 20), (2, 22, 35)), 2, 36)

    expired = None if today is None or expiry is None else expiry < today
    checks = tuple(zone.checks)
    issues = tuple(zone.issues)
    valid = all(check.ok for check in checks) and not issues and expired is not True
    return MrzResult(
        format=fmt,
        document_code=document_code,
        issuing_state=issuing_state,
        surname=surname,
        given_names=given_names,
        document_number=document_number,
        nationality=nationality,
        date_of_birth=birth,
        sex=sex,
        expiry_date=expiry,
        optional_data=optional_data,
        optional_data_2=optional_data_2,
        checks=checks,
        issues=issues,
        expired=expired,
        valid=valid,
    )


def check_mrz(text: str, *, today: date) -> dict[str, Any]:
    """An MRZ as the API and the CLI show it, or a user's error naming what is wrong."""
    try:
        return parse_mrz(text, today=today).to_dict()
    except MrzError as exc:
        raise InvalidInput(f"not a machine-readable zone: {exc}") from None
