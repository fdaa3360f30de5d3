"""Tests for returnhub.people.mrz against ICAO Doc 9303 specimens and check-digit maths.

The expectations here come from an independent reference (``_ref_sum`` below, a
literal transcription of Doc 9303 Part 3) and from hand computation, never from
the module under test.
"""

from __future__ import annotations

import dataclasses
import json
import string
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from returnhub.people.mrz import MrzError, MrzResult, check_digit, parse_mrz

# ---------------------------------------------------------------------------
# Independent reference (Doc 9303 Part 3, section 4.9)
# ---------------------------------------------------------------------------

_ORDER = string.digits + string.ascii_uppercase  # index == value: '0'..'9' = 0..9, 'A'..'Z' = 10..35
_ALPHABET = _ORDER + "<"
_LETTERS = frozenset(string.ascii_uppercase)
_DIGITS = frozenset(string.digits)
_FILL = frozenset("<")
_ANY = frozenset(_ALPHABET)


def _val(ch: str) -> int:
    return 0 if ch == "<" else _ORDER.index(ch)


def _ref_sum(data: str) -> int:
    """Weighted sum with the repeating weights 7, 3, 1 (not yet reduced mod 10)."""
    weights = (7, 3, 1)
    return sum(_val(ch) * weights[i % 3] for i, ch in enumerate(data))


def _cd(data: str) -> str:
    return str(_ref_sum(data) % 10)


# ---------------------------------------------------------------------------
# Doc 9303 specimens ("ANNA MARIA ERIKSSON" of Utopia), every digit verified by hand.
# Weights run 7,3,1,7,3,1,...; values: '<'=0, A=10, B=11, C=12, D=13, E=14, L=21, Z=35.
# ---------------------------------------------------------------------------

# Part 4 (TD3 passport).
#   L898902C3: 21*7+8*3+9*1+8*7+9*3+0*1+2*7+12*3+3*1 = 147+24+9+56+27+0+14+36+3 = 316 -> 6
#   740812:    7*7+4*3+0*1+8*7+1*3+2*1 = 49+12+0+56+3+2 = 122 -> 2
#   120415:    1*7+2*3+0*1+4*7+1*3+5*1 = 7+6+0+28+3+5 = 49 -> 9
#   ZE184226B<<<<<: 35*7+14*3+1*1+8*7+4*3+2*1+2*7+6*3+11*1 (+0s) = 245+42+1+56+12+2+14+18+11 = 401 -> 1
#   composite over "L898902C36" + "7408122" + "1204159" + "ZE184226B<<<<<1" (39 chars):
#     pos 1-9 = 316, pos 10 '6'*7 = 42 -> 358;
#     pos 11-17 "7408122": 7*3+4*1+0*7+8*3+1*1+2*7+2*3 = 21+4+0+24+1+14+6 = 70 -> 428;
#     pos 18-24 "1204159": 1*1+2*7+0*3+4*1+1*7+5*3+9*1 = 1+14+0+4+7+15+9 = 50 -> 478;
#     pos 25-33 "ZE184226B" starts on weight 7 again, so = 401 -> 879; pos 34-38 '<' = 0;
#     pos 39 '1'*1 = 1 -> 880 -> 0
TD3_SPECIMEN = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"

# Part 5 (TD1 card).
#   D23145890: 13*7+2*3+3*1+1*7+4*3+5*1+8*7+9*3+0*1 = 91+6+3+7+12+5+56+27+0 = 207 -> 7
#   composite over line1[6-30] "D231458907<<<<<<<<<<<<<<<" + "7408122" + "1204159" + 11 x '<':
#     pos 1-9 = 207, pos 10 '7'*7 = 49 -> 256; pos 11-25 '<' = 0;
#     pos 26-32 "7408122" begins on weight 3, same weights as the TD3 pos 11-17 -> 70 -> 326;
#     pos 33-39 "1204159" begins on weight 1 -> 50 -> 376; rest '<' -> 376 -> 6
TD1_SPECIMEN = (
    "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
)

# Part 6 (TD2 card).
#   composite over "D231458907" + "7408122" + "1204159<<<<<<<":
#     256 (as TD1) + 70 (pos 11-17, weight 3 first) + 50 (pos 18-24) + 0 = 376 -> 6
TD2_SPECIMEN = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD231458907UTO7408122F1204159<<<<<<<6"

# Part 5 long document number "D23145890734": '<' at line 1 column 15, continuation "734" plus
# its check digit in the optional field.
#   check digit over "D23145890734": 207 + 7*7 + 3*3 + 4*1 = 207+49+9+4 = 269 -> 9
#   composite over "D23145890<7349<<<<<<<<<<<" + ...: 207 + 0 + 7*3+3*1+4*7+9*3 = 207+21+3+28+27
#     = 286; + 70 + 50 (same positions as above) = 406 -> 6
TD1_LONG_NUMBER = (
    "I<UTOD23145890<7349<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
)

# Same long number in a TD2: composite over "D23145890<" + "7408122" + "1204159" + "7349<<<":
#   207 + 0 + 70 + 50 = 327; pos 25-28 "7349": 7*7+3*3+4*1+9*7 = 49+9+4+63 = 125 -> 452 -> 2
TD2_LONG_NUMBER = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD23145890<UTO7408122F12041597349<<<2"

# TD3 with the personal number unused (all '<'): its check digit is 0 and Part 4 allows '<' too.
#   composite: 478 (pos 1-24, as the specimen) + 0 -> 8
TD3_NO_PERSONAL = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159<<<<<<<<<<<<<<{}8"
)


# ---------------------------------------------------------------------------
# Builders for synthetic zones (check digits from the reference, not the module)
# ---------------------------------------------------------------------------


def _pad(text: str, width: int) -> str:
    assert len(text) <= width, (text, width)
    return text.ljust(width, "<")


def build_td3(
    number: str,
    dob: str,
    expiry: str,
    personal: str = "",
    *,
    name: str = "ERIKSSON<<ANNA<MARIA",
    sex: str = "F",
    code: str = "P<",
    state: str = "UTO",
    nationality: str = "UTO",
) -> str:
    number, personal = _pad(number, 9), _pad(personal, 14)
    line2 = number + _cd(number) + nationality + dob + _cd(dob) + sex + expiry + _cd(expiry)
    line2 += personal + _cd(personal)
    line2 += _cd(line2[0:10] + line2[13:20] + line2[21:43])
    return _pad(code + state + name, 44) + "\n" + line2


def build_td2(
    number: str,
    dob: str,
    expiry: str,
    optional: str = "",
    *,
    name: str = "ERIKSSON<<ANNA<MARIA",
    sex: str = "F",
    code: str = "I<",
    state: str = "UTO",
    nationality: str = "UTO",
) -> str:
    number, optional = _pad(number, 9), _pad(optional, 7)
    line2 = number + _cd(number) + nationality + dob + _cd(dob) + sex + expiry + _cd(expiry) + optional
    line2 += _cd(line2[0:10] + line2[13:20] + line2[21:35])
    return _pad(code + state + name, 36) + "\n" + line2


def build_td1(
    number: str,
    dob: str,
    expiry: str,
    optional: str = "",
    optional2: str = "",
    *,
    name: str = "ERIKSSON<<ANNA<MARIA",
    sex: str = "F",
    code: str = "I<",
    state: str = "UTO",
    nationality: str = "UTO",
) -> str:
    number = _pad(number, 9)
    line1 = code + state + number + _cd(number) + _pad(optional, 15)
    line2 = dob + _cd(dob) + sex + expiry + _cd(expiry) + nationality + _pad(optional2, 11)
    line2 += _cd(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    return line1 + "\n" + line2 + "\n" + _pad(name, 30)


def _check(result: MrzResult, name: str) -> tuple[int | None, int, bool]:
    (found,) = [c for c in result.checks if c.name == name]
    return found.expected, found.computed, found.ok


# ---------------------------------------------------------------------------
# check_digit
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "digit"),
    [
        ("L898902C3", 6),
        ("740812", 2),
        ("120415", 9),
        ("ZE184226B<<<<<", 1),
        ("L898902C36" + "7408122" + "1204159" + "ZE184226B<<<<<1", 0),
        ("D23145890", 7),
        ("D23145890734", 9),
        ("D231458907<<<<<<<<<<<<<<<" + "7408122" + "1204159" + "<<<<<<<<<<<", 6),
        ("D231458907" + "7408122" + "1204159<<<<<<<", 6),
        ("", 0),
        ("<<<<", 0),
        ("A", 0),  # 10*7 = 70
        ("Z", 5),  # 35*7 = 245
        ("1", 7),
        ("01", 3),  # second position weighs 3
        ("001", 1),  # third weighs 1
    ],
)
def test_check_digit_hand_computed(field: str, digit: int) -> None:
    assert check_digit(field) == digit


def test_reference_agrees_with_hand_computation() -> None:
    # Guards the reference used by the property tests below.
    assert _ref_sum("L898902C3") == 316
    assert _ref_sum("ZE184226B<<<<<") == 401
    assert _ref_sum("D23145890") == 207


@given(st.text(alphabet=_ALPHABET, max_size=60))
def test_check_digit_matches_reference(field: str) -> None:
    assert check_digit(field) == _ref_sum(field) % 10


@pytest.mark.parametrize("field", ["ab", "L89 902", "É"])
def test_check_digit_rejects_foreign_characters(field: str) -> None:
    with pytest.raises(MrzError, match="invalid character"):
        check_digit(field)


def test_builders_reproduce_specimens() -> None:
    # The builders feed the property tests; they must agree with the published specimens.
    assert build_td3("L898902C3", "740812", "120415", "ZE184226B") == TD3_SPECIMEN
    assert build_td1("D23145890", "740812", "120415") == TD1_SPECIMEN
    assert build_td2("D23145890", "740812", "120415") == TD2_SPECIMEN


# ---------------------------------------------------------------------------
# Specimens
# ---------------------------------------------------------------------------

BEFORE_EXPIRY = date(2010, 1, 1)


def test_td3_specimen() -> None:
    result = parse_mrz(TD3_SPECIMEN, today=BEFORE_EXPIRY)
    assert result.format == "TD3"
    assert (result.document_code, result.issuing_state, result.nationality) == ("P", "UTO", "UTO")
    assert (result.surname, result.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert result.document_number == "L898902C3"
    assert result.date_of_birth == date(1974, 8, 12)
    assert result.sex == "F"
    assert result.expiry_date == date(2012, 4, 15)
    assert result.optional_data == "ZE184226B"
    assert result.optional_data_2 is None
    assert [(c.name, c.expected, c.computed, c.ok) for c in result.checks] == [
        ("document_number", 6, 6, True),
        ("date_of_birth", 2, 2, True),
        ("expiry_date", 9, 9, True),
        ("optional_data", 1, 1, True),
        ("composite", 0, 0, True),
    ]
    assert result.issues == ()
    assert result.expired is False
    assert result.valid is True


def test_td1_specimen() -> None:
    result = parse_mrz(TD1_SPECIMEN, today=BEFORE_EXPIRY)
    assert result.format == "TD1"
    assert (result.document_code, result.issuing_state, result.nationality) == ("I", "UTO", "UTO")
    assert (result.surname, result.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert result.document_number == "D23145890"
    assert (result.date_of_birth, result.expiry_date) == (date(1974, 8, 12), date(2012, 4, 15))
    assert (result.optional_data, result.optional_data_2) == ("", "")
    assert [(c.name, c.expected, c.computed, c.ok) for c in result.checks] == [
        ("document_number", 7, 7, True),
        ("date_of_birth", 2, 2, True),
        ("expiry_date", 9, 9, True),
        ("composite", 6, 6, True),
    ]
    assert result.valid is True


def test_td2_specimen() -> None:
    result = parse_mrz(TD2_SPECIMEN, today=BEFORE_EXPIRY)
    assert result.format == "TD2"
    assert (result.surname, result.given_names, result.document_number) == (
        "ERIKSSON",
        "ANNA MARIA",
        "D23145890",
    )
    assert (result.date_of_birth, result.sex, result.expiry_date) == (
        date(1974, 8, 12),
        "F",
        date(2012, 4, 15),
    )
    assert [(c.name, c.expected, c.computed, c.ok) for c in result.checks] == [
        ("document_number", 7, 7, True),
        ("date_of_birth", 2, 2, True),
        ("expiry_date", 9, 9, True),
        ("composite", 6, 6, True),
    ]
    assert result.valid is True


# TD2 long number followed by optional data "AB" after the terminating filler (cols 29-35 "7349<AB"):
#   composite = 452 (as above) + 'A' at pos 30 (weight 1) 10 + 'B' at pos 31 (weight 7) 77 = 539 -> 9
TD2_LONG_NUMBER_WITH_DATA = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\nD23145890<UTO7408122F12041597349<AB9"


@pytest.mark.parametrize(
    ("text", "fmt", "optional"),
    [(TD1_LONG_NUMBER, "TD1", ""), (TD2_LONG_NUMBER, "TD2", ""), (TD2_LONG_NUMBER_WITH_DATA, "TD2", "AB")],
)
def test_long_document_number(text: str, fmt: str, optional: str) -> None:
    result = parse_mrz(text, today=BEFORE_EXPIRY)
    assert result.format == fmt
    assert result.document_number == "D23145890734"
    assert result.optional_data == optional
    assert _check(result, "document_number") == (9, 9, True)
    assert _check(result, "composite")[2] is True
    assert result.valid is True


# A lone character after the '<' is not a continuation (a long number adds at least one character
# before its check digit): "D23145890<7<<<<<<<<<<<<<<" keeps the composite right:
#   207 + 0 + '7' at pos 11 (weight 3) 21 = 228; + 70 + 50 = 348 -> 8
TD1_LONE_DIGIT = (
    "I<UTOD23145890<7<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<8\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
)
# No continuation at all: composite 207 + 0 + 70 + 50 = 327 -> 7
TD1_NO_CONTINUATION = (
    "I<UTOD23145890<<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<7\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
)


@pytest.mark.parametrize("text", [TD1_NO_CONTINUATION, TD1_LONE_DIGIT])
def test_long_document_number_without_continuation_is_flagged(text: str) -> None:
    result = parse_mrz(text)
    assert _check(result, "composite")[2] is True
    assert _check(result, "document_number") == (None, 7, False)
    assert any("line 1, column 15" in issue and "continuation" in issue for issue in result.issues)
    assert result.valid is False


@pytest.mark.parametrize("digit", ["<", "0"])
def test_unused_personal_number_accepts_filler_or_zero_check_digit(digit: str) -> None:
    result = parse_mrz(TD3_NO_PERSONAL.format(digit), today=BEFORE_EXPIRY)
    assert result.optional_data == ""
    assert _check(result, "optional_data") == (0, 0, True)
    assert _check(result, "composite") == (8, 8, True)
    assert result.valid is True


def test_filler_check_digit_rejected_when_personal_number_present() -> None:
    text = TD3_SPECIMEN[:-2] + "<" + TD3_SPECIMEN[-1]
    result = parse_mrz(text)
    assert _check(result, "optional_data") == (None, 1, False)
    assert any(issue.startswith("line 2, column 43:") for issue in result.issues)
    assert result.valid is False


# ---------------------------------------------------------------------------
# Input forms
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("specimen", [TD3_SPECIMEN, TD1_SPECIMEN, TD2_SPECIMEN])
def test_single_string_and_whitespace_forms(specimen: str) -> None:
    reference = parse_mrz(specimen, today=BEFORE_EXPIRY)
    single = specimen.replace("\n", "")
    assert len(single) in (88, 90, 72)
    for variant in (single, f"  \n{specimen}\n\n ", specimen.replace("\n", "\r\n"), f"\t{single} \n"):
        assert parse_mrz(variant, today=BEFORE_EXPIRY) == reference


def test_to_dict_is_json_serialisable() -> None:
    result = parse_mrz(TD3_SPECIMEN, today=date(2025, 1, 1))
    data = json.loads(json.dumps(result.to_dict()))
    assert data["date_of_birth"] == "1974-08-12"
    assert data["expiry_date"] == "2012-04-15"
    assert data["checks"][0] == {"name": "document_number", "expected": 6, "computed": 6, "ok": True}
    assert data["expired"] is True and data["valid"] is False


def test_result_is_frozen() -> None:
    result = parse_mrz(TD3_SPECIMEN)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.valid = False  # type: ignore[misc]


# ---------------------------------------------------------------------------
# Dates, expiry and the two-digit-year pivots
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expired", "valid"),
    [
        (date(2012, 4, 15), False, True),  # valid through the expiry day itself
        (date(2012, 4, 16), True, False),
        (None, None, True),  # no reference date: expiry not judged
    ],
)
def test_expiry(today: date | None, expired: bool | None, valid: bool) -> None:
    result = parse_mrz(TD3_SPECIMEN, today=today)
    assert result.expired is expired
    assert result.valid is valid
    assert all(check.ok for check in result.checks) and result.issues == ()


@pytest.mark.parametrize(
    ("dob", "today", "expected"),
    [
        ("740812", date(2025, 6, 1), date(1974, 8, 12)),
        ("100101", date(2025, 6, 1), date(2010, 1, 1)),
        ("250601", date(2025, 6, 1), date(2025, 6, 1)),  # born today
        ("250602", date(2025, 6, 1), date(1925, 6, 2)),  # tomorrow is impossible -> last century
        ("991231", date(2000, 1, 1), date(1999, 12, 31)),
        ("000229", date(2025, 1, 1), date(2000, 2, 29)),
    ],
)
def test_birth_year_pivots_to_the_past(dob: str, today: date, expected: date) -> None:
    result = parse_mrz(build_td3("L898902C3", dob, "300101"), today=today)
    assert result.date_of_birth == expected


@pytest.mark.parametrize(
    ("expiry", "today", "expected"),
    [
        ("120415", date(2025, 6, 1), date(2012, 4, 15)),
        ("350101", date(2025, 6, 1), date(2035, 1, 1)),
        ("740101", date(2025, 6, 1), date(2074, 1, 1)),  # window [1975, 2074]
        ("750101", date(2025, 6, 1), date(1975, 1, 1)),
        ("050101", date(1999, 6, 1), date(2005, 1, 1)),
    ],
)
def test_expiry_year_window(expiry: str, today: date, expected: date) -> None:
    assert parse_mrz(build_td3("L898902C3", "740812", expiry), today=today).expiry_date == expected


def test_unknown_birth_date_parts_are_allowed() -> None:
    result = parse_mrz(build_td3("L898902C3", "74<<<<", "300101"), today=date(2025, 1, 1))
    assert result.date_of_birth is None
    assert result.valid is True


@pytest.mark.parametrize(
    ("dob", "expiry", "column", "fragment"),
    [
        ("741312", "300101", 14, "not a calendar date"),
        ("7408<2", "300101", 14, "must be YYMMDD"),
        ("740812", "300230", 22, "not a calendar date"),
        ("740812", "3001<<", 22, "must be YYMMDD"),
    ],
)
def test_bad_dates_are_reported(dob: str, expiry: str, column: int, fragment: str) -> None:
    result = parse_mrz(build_td3("L898902C3", dob, expiry), today=date(2025, 1, 1))
    assert all(check.ok for check in result.checks)  # check digits were computed correctly ...
    assert any(i.startswith(f"line 2, column {column}:") and fragment in i for i in result.issues)
    assert result.valid is False  # ... but the field itself is not a date


# ---------------------------------------------------------------------------
# Field syntax (not covered by check digits)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (build_td3("L898902C3", "740812", "120415", sex="Q"), "line 2, column 21:"),
        (build_td3("L898902C3", "740812", "120415", code="V<"), "line 1, column 1:"),
        (build_td3("L898902C3", "740812", "120415", state="U1O"), "line 1, column 3:"),
        (build_td3("L898902C3", "740812", "120415", nationality="<UT"), "line 2, column 11:"),
        (build_td3("L898902C3", "740812", "120415", name="ERIKS5ON<<ANNA"), "line 1, column 11:"),
        (build_td1("D23145890", "740812", "120415", code="P<"), "line 1, column 1:"),
        (build_td1("D23145890", "740812", "120415", name="ERIKSSON<<ANN4"), "line 3, column 14:"),
        (build_td2("<<<<<<<<<", "740812", "120415"), "line 2, column 1:"),
    ],
)
def test_field_syntax_issues(text: str, where: str) -> None:
    result = parse_mrz(text)
    assert all(check.ok for check in result.checks)
    assert [issue for issue in result.issues if issue.startswith(where)], result.issues
    assert result.valid is False


# ---------------------------------------------------------------------------
# Malformed input
# ---------------------------------------------------------------------------

_TD3_LINE1, _TD3_LINE2 = TD3_SPECIMEN.split("\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "MRZ is empty"),
        ("  \n \n", "MRZ is empty"),
        ("P<UTOERIKSSON", "line 1 has 13 characters; a single-line MRZ must have 88 (TD3), 90 (TD1) or 72"),
        (TD3_SPECIMEN.replace("\n", "") + "<", "line 1 has 89 characters"),
        (f"{_TD3_LINE1}\n{_TD3_LINE2[:-1]}", "line 2 has 43 characters; TD3 lines must have 44"),
        (
            f"{_TD3_LINE1[:30]}\n{_TD3_LINE2[:30]}",
            "line 1 has 30 characters; a 2-line MRZ needs 44 (TD3) or 36",
        ),
        (TD1_SPECIMEN + "<", "line 3 has 31 characters; TD1 lines must have 30"),
        (TD1_SPECIMEN + "\n" + "<" * 30, "MRZ has 4 lines; expected 2 (TD2/TD3) or 3 (TD1)"),
        (f"{_TD3_LINE1}\n{_TD3_LINE2[:4]}x{_TD3_LINE2[5:]}", "line 2, column 5: invalid character 'x'"),
        (f"{_TD3_LINE1[:9]} {_TD3_LINE1[10:]}\n{_TD3_LINE2}", "line 1, column 10: invalid character ' '"),
        # single-string form: position 51 of 88 is line 2, column 7
        (
            TD3_SPECIMEN.replace("\n", "")[:50] + "-" + TD3_SPECIMEN.replace("\n", "")[51:],
            "line 2, column 7:",
        ),
        (TD2_SPECIMEN.lower(), "line 1, column 1: invalid character 'i'"),
    ],
)
def test_malformed_input_raises(text: str, message: str) -> None:
    with pytest.raises(MrzError) as caught:
        parse_mrz(text)
    assert isinstance(caught.value, ValueError)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@given(st.text(alphabet=_ALPHABET + "\n \tab-", max_size=120))
def test_arbitrary_text_only_raises_mrz_error(text: str) -> None:
    try:
        parse_mrz(text)
    except MrzError:
        pass


@given(
    st.sampled_from([(2, 44), (2, 36), (3, 30)]).flatmap(
        lambda shape: st.lists(
            st.text(alphabet=_ALPHABET, min_size=shape[1], max_size=shape[1]),
            min_size=shape[0],
            max_size=shape[0],
        )
    )
)
def test_any_well_shaped_zone_parses(lines: list[str]) -> None:
    # Shape and alphabet right => never an exception, whatever the fields contain.
    result = parse_mrz("\n".join(lines), today=date(2025, 1, 1))
    assert isinstance(result.valid, bool)
    json.dumps(result.to_dict())


# ---------------------------------------------------------------------------
# Exhaustive single-character mutation of the specimens
# ---------------------------------------------------------------------------
#
# Per position: the characters the field syntax accepts there (given the rest of the
# specimen), and whether a check digit covers the position. A substitution orig -> new
# at a covered position changes each covering weighted sum by w * (val(new) - val(orig)).
# Every weight (7, 3, 1) is a unit mod 10, so that change is 0 mod 10 exactly when
# val(new) == val(orig) (mod 10). Hence the only undetectable substitutions are:
#   * uncovered position: any syntactically accepted character;
#   * covered position: an accepted character with the same value mod 10.
# Value classes mod 10: {0,<,A,K,U}, {1,B,L,V}, ..., {5,F,P,Z}, {6,G,Q}, ..., {9,J,T}.
# Check-digit positions accept only digits, and distinct digits differ mod 10.
#
# Country "UTO": '<' is accepted only in the last position (fillers pad on the right).
# Date fields accept only digits (a lone '<' cannot form the '<<' unknown-part marker).
# TD1 line 1 col 15 / TD2 line 2 col 10: '<' would announce a long document number, but
# the specimen's optional data holds no continuation, so only digits are accepted.

_NAME = _LETTERS | _FILL
_SEX = frozenset("MF<")
Span = tuple[int, int, int, frozenset[str], bool]  # line, first col, last col, accepted, covered

_TD3_SPANS: list[Span] = [
    (1, 1, 1, frozenset("P"), False),
    (1, 2, 2, _NAME, False),
    (1, 3, 4, _LETTERS, False),
    (1, 5, 5, _NAME, False),
    (1, 6, 44, _NAME, False),
    (2, 1, 9, _ANY, True),
    (2, 10, 10, _DIGITS, True),
    (2, 11, 12, _LETTERS, False),
    (2, 13, 13, _NAME, False),
    (2, 14, 20, _DIGITS, True),
    (2, 21, 21, _SEX, False),
    (2, 22, 28, _DIGITS, True),
    (2, 29, 42, _ANY, True),
    (2, 43, 44, _DIGITS, True),
]
_TD1_SPANS: list[Span] = [
    (1, 1, 1, frozenset("ACI"), False),
    (1, 2, 2, _NAME, False),
    (1, 3, 4, _LETTERS, False),
    (1, 5, 5, _NAME, False),
    (1, 6, 14, _ANY, True),
    (1, 15, 15, _DIGITS, True),
    (1, 16, 30, _ANY, True),
    (2, 1, 7, _DIGITS, True),
    (2, 8, 8, _SEX, False),
    (2, 9, 15, _DIGITS, True),
    (2, 16, 17, _LETTERS, False),
    (2, 18, 18, _NAME, False),
    (2, 19, 29, _ANY, True),
    (2, 30, 30, _DIGITS, True),
    (3, 1, 30, _NAME, False),
]
_TD2_SPANS: list[Span] = [
    (1, 1, 1, frozenset("ACI"), False),
    (1, 2, 2, _NAME, False),
    (1, 3, 4, _LETTERS, False),
    (1, 5, 5, _NAME, False),
    (1, 6, 36, _NAME, False),
    (2, 1, 9, _ANY, True),
    (2, 10, 10, _DIGITS, True),
    (2, 11, 12, _LETTERS, False),
    (2, 13, 13, _NAME, False),
    (2, 14, 20, _DIGITS, True),
    (2, 21, 21, _SEX, False),
    (2, 22, 28, _DIGITS, True),
    (2, 29, 35, _ANY, True),
    (2, 36, 36, _DIGITS, True),
]


def _expected_misses(specimen: str, spans: list[Span]) -> set[tuple[int, int, str]]:
    lines = specimen.split("\n")
    misses: set[tuple[int, int, str]] = set()
    seen: set[tuple[int, int]] = set()
    for line, first, last, accepted, covered in spans:
        for col in range(first, last + 1):
            seen.add((line, col))
            orig = lines[line - 1][col - 1]
            for new in accepted - {orig}:
                if not covered or _val(new) % 10 == _val(orig) % 10:
                    misses.add((line, col, new))
    assert seen == {(n, c) for n, text in enumerate(lines, 1) for c in range(1, len(text) + 1)}
    return misses


# Expected miss counts, by hand from the classes above (class size - 1 per covered position):
#   TD3 line 1: 0 + 26 + 25 + 25 + 26 + 39*26 = 1116
#       line 2: doc L898902C3 3+2+2+2+2+4+3+3+3 = 24; UTO 25+25+26 = 76; sex 2;
#               personal ZE184226B 3+3+3+2+3+3+3+2+3 = 25 plus 5 fillers * 4 = 20  -> 147
#   TD1 line 1: 2 + 26 + 76 + doc D23145890 (3+3+3+3+3+3+2+2+4 = 26) + 15*4 = 190
#       line 2: sex 2 + UTO 76 + 11*4 = 122; line 3: 30*26 = 780
#   TD2 line 1: 2 + 26 + 76 + 31*26 = 910; line 2: 26 + 76 + 2 + 7*4 = 132
@pytest.mark.parametrize(
    ("specimen", "spans", "count"),
    [
        (TD3_SPECIMEN, _TD3_SPANS, 1116 + 147),
        (TD1_SPECIMEN, _TD1_SPANS, 190 + 122 + 780),
        (TD2_SPECIMEN, _TD2_SPANS, 910 + 132),
    ],
)
def test_every_single_substitution(specimen: str, spans: list[Span], count: int) -> None:
    assert parse_mrz(specimen).valid
    lines = specimen.split("\n")
    misses: set[tuple[int, int, str]] = set()
    for n, text in enumerate(lines, 1):
        for col, orig in enumerate(text, 1):
            for new in _ALPHABET:
                if new == orig:
                    continue
                mutated = list(lines)
                mutated[n - 1] = text[: col - 1] + new + text[col:]
                result = parse_mrz("\n".join(mutated))  # no `today`: expiry cannot be the reason
                assert result.expired is None
                caught = any(not c.ok for c in result.checks) or bool(result.issues)
                assert result.valid is not caught
                if not caught:
                    misses.add((n, col, new))
    expected = _expected_misses(specimen, spans)
    assert misses == expected
    assert len(misses) == count


def test_known_undetectable_substitutions() -> None:
    # L (21) -> B (11): both 1 mod 10, so every weighted sum is unchanged.
    line1, line2 = TD3_SPECIMEN.split("\n")
    assert parse_mrz(line1 + "\nB" + line2[1:]).valid is True
    # L -> M (22) is caught: the document number sum becomes 316 + 1*7 = 323 -> 3, not 6.
    result = parse_mrz(line1 + "\nM" + line2[1:])
    assert _check(result, "document_number") == (6, 3, False)
    assert _check(result, "composite")[2] is False
    assert result.valid is False


# ---------------------------------------------------------------------------
# Property tests on synthetic zones
# ---------------------------------------------------------------------------

TODAY = date(2030, 6, 15)
_ALNUM = string.ascii_uppercase + string.digits

# (field name, line index, start index, length, own check digit?, substitution alphabet)
Field = tuple[str, int, int, int, bool, str]
_FIELDS: dict[str, list[Field]] = {
    "TD3": [
        ("document_number", 1, 0, 9, True, _ALPHABET),
        ("date_of_birth", 1, 13, 6, True, string.digits),
        ("expiry_date", 1, 21, 6, True, string.digits),
        ("optional_data", 1, 28, 14, True, _ALPHABET),
    ],
    "TD2": [
        ("document_number", 1, 0, 9, True, _ALPHABET),
        ("date_of_birth", 1, 13, 6, True, string.digits),
        ("expiry_date", 1, 21, 6, True, string.digits),
        ("optional_data", 1, 28, 7, False, _ALPHABET),  # composite only
    ],
    "TD1": [
        ("document_number", 0, 5, 9, True, _ALPHABET),
        ("optional_data", 0, 15, 15, False, _ALPHABET),  # composite only
        ("date_of_birth", 1, 0, 6, True, string.digits),
        ("expiry_date", 1, 8, 6, True, string.digits),
        ("optional_data_2", 1, 18, 11, False, _ALPHABET),  # composite only
    ],
}


def _composite_data(fmt: str, lines: list[str]) -> str:
    if fmt == "TD3":
        return lines[1][0:10] + lines[1][13:20] + lines[1][21:43]
    if fmt == "TD2":
        return lines[1][0:10] + lines[1][13:20] + lines[1][21:35]
    return lines[0][5:30] + lines[1][0:7] + lines[1][8:15] + lines[1][18:29]


@st.composite
def zones(draw: st.DrawFn) -> tuple[str, str, dict[str, object]]:
    fmt = draw(st.sampled_from(["TD1", "TD2", "TD3"]))
    # At least 2 characters so a single substitution can never empty the number.
    number = draw(st.text(alphabet=_ALNUM, min_size=2, max_size=9))
    birth = draw(st.dates(min_value=date(1930, 6, 16), max_value=TODAY))
    expiry = draw(st.dates(min_value=TODAY, max_value=date(2079, 12, 31)))
    surname = draw(st.text(alphabet=string.ascii_uppercase, min_size=1, max_size=10))
    given_names = draw(st.lists(st.text(alphabet=string.ascii_uppercase, min_size=1, max_size=6), max_size=2))
    sex = draw(st.sampled_from("MF<"))
    name = surname + ("<<" + "<".join(given_names) if given_names else "")
    dob, exp = birth.strftime("%y%m%d"), expiry.strftime("%y%m%d")
    optional = draw(st.text(alphabet=_ALNUM + "<", max_size={"TD3": 14, "TD2": 7, "TD1": 15}[fmt]))
    if fmt == "TD3":
        text = build_td3(number, dob, exp, optional, name=name, sex=sex)
    elif fmt == "TD2":
        text = build_td2(number, dob, exp, optional, name=name, sex=sex)
    else:
        optional2 = draw(st.text(alphabet=_ALNUM + "<", max_size=11))
        text = build_td1(number, dob, exp, optional, optional2, name=name, sex=sex)
    fields = {
        "document_number": number,
        "date_of_birth": birth,
        "expiry_date": expiry,
        "surname": surname,
        "given_names": " ".join(given_names),
        "sex": None if sex == "<" else sex,
        "optional_data": optional.rstrip("<"),
    }
    return fmt, text, fields


@settings(max_examples=300)
@given(zones())
def test_synthetic_zones_round_trip(zone: tuple[str, str, dict[str, object]]) -> None:
    fmt, text, fields = zone
    result = parse_mrz(text, today=TODAY)
    assert result.format == fmt
    assert result.issues == ()
    assert all(check.ok for check in result.checks)
    assert result.expired is False and result.valid is True
    for key, value in fields.items():
        assert getattr(result, key) == value, key


@settings(max_examples=1000)
@given(zones(), st.data())
def test_substitution_detected_unless_weighted_sum_unchanged_mod_10(
    zone: tuple[str, str, dict[str, object]], data: st.DataObject
) -> None:
    fmt, text, _ = zone
    name, line, start, length, own_check, alphabet = data.draw(st.sampled_from(_FIELDS[fmt]))
    offset = data.draw(st.integers(0, length - 1))
    lines = text.split("\n")
    index = start + offset
    orig = lines[line][index]
    new = data.draw(st.sampled_from([ch for ch in alphabet if ch != orig]))
    mutated = list(lines)
    mutated[line] = lines[line][:index] + new + lines[line][index + 1 :]

    field_before = lines[line][start : start + length]
    field_after = mutated[line][start : start + length]
    own_unchanged = _ref_sum(field_after) % 10 == _ref_sum(field_before) % 10
    composite_unchanged = (
        _ref_sum(_composite_data(fmt, mutated)) % 10 == _ref_sum(_composite_data(fmt, lines)) % 10
    )
    # The arithmetic fact behind the property: weights 7, 3, 1 are units mod 10.
    assert own_unchanged == composite_unchanged == (_val(new) % 10 == _val(orig) % 10)

    result = parse_mrz("\n".join(mutated))
    if own_check:
        assert _check(result, name)[2] is own_unchanged
    assert _check(result, "composite")[2] is composite_unchanged
    assert result.valid is (own_unchanged and composite_unchanged)
