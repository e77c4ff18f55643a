"""The strict parsers (inventory.parsing) and the import cells that build on them: one definition of a whole
number, a year, an id and a text."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import ApiToken
from inventory.models import Aggregate, Headcount, Submission
from inventory.parsing import (
    TextField,
    WholeNumberField,
    YearField,
    column_range,
    id_range,
    is_digits,
    parameter_number,
    text_problem,
    whole_number,
)
from inventory.services.imports.cells import parse_fte_cents, parse_persons, parse_year
from inventory.services.imports.cells import text_problem as cell_text_problem

# What Python's int() or str.isdigit() take besides ASCII digits.
NOT_ASCII = ["²", "2019²", "٣", "２０１９", "१२", "𝟙", "¹²³"]


@pytest.mark.parametrize("text", NOT_ASCII)
def test_digits_of_other_scripts_and_superscripts_are_no_number(text: str) -> None:
    assert str(text).isdigit()  # what Python would have taken
    assert not is_digits(text)
    assert whole_number(text, high=10**9) is None


@pytest.mark.parametrize("text", ["", " 1", "1 ", "+1", "-1", "1.0", "1e3", "1_000", "0x10"])
def test_no_sign_space_separator_or_notation(text: str) -> None:
    assert whole_number(text, high=10**9) is None


def test_a_whole_number_is_read_within_its_range_only() -> None:
    assert whole_number("0", high=5) == 0
    assert whole_number("005", high=5) == 5
    assert whole_number("6", high=5) is None
    assert whole_number("1999", low=2000, high=2100) is None
    assert whole_number("9" * 100_000, high=10**18) is None  # compared as text: int() would refuse it


def test_ranges_come_from_the_database_columns() -> None:
    assert column_range(Submission, "year") == (0, 32767)  # smallint, positive
    assert column_range(Submission, "version") == (0, 2**31 - 1)
    assert column_range(Headcount, "persons") == (-(2**31), 2**31 - 1)
    assert column_range(Aggregate, "persons") == (-(2**63), 2**63 - 1)
    assert column_range(Headcount, "submission") == (-(2**63), 2**63 - 1)  # a foreign key: its target's id
    assert id_range(Submission) == (1, 2**63 - 1)
    assert id_range(ApiToken)[0] == 1


def test_a_query_parameter_names_itself_and_the_value() -> None:
    assert parameter_number("limit", " 10 ", high=100) == 10
    with pytest.raises(ValidationError) as refused:
        parameter_number("limit", "1²", high=100)
    assert refused.value.messages == ["Parameter limit: ‘1²’ is geen geheel getal van 0 tot 100."]


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\t", "\n", "\r", "\ud800"])
def test_a_single_line_text_refuses_every_control_character(char: str) -> None:
    problem = text_problem(f"ab{char}c")
    assert problem is not None
    assert f"(U+{ord(char):04X})" in problem


def test_a_multiline_text_keeps_tabs_and_line_breaks_but_not_nul() -> None:
    assert text_problem("een\r\ntwee\tdrie", multiline=True) is None
    assert text_problem("een\x00twee", multiline=True) == (
        "‘een\ufffdtwee’ bevat een onzichtbaar stuurteken (U+0000); verwijder het."
    )


def test_a_text_longer_than_its_column_is_refused() -> None:
    assert text_problem("x" * 100, max_length=100) is None
    assert text_problem("x" * 101, max_length=100) == "de waarde is te lang (101 tekens); maximaal 100 tekens."


@pytest.mark.parametrize("value", ["٣", "３", "1²", "-1", "1.5", "9" * 5000])
def test_a_whole_number_field_refuses_what_int_would_take(value: str) -> None:
    field = WholeNumberField(max_value=100)
    with pytest.raises(ValidationError):
        field.clean(value)


def test_a_whole_number_field_says_too_big_without_reading_thousands_of_digits() -> None:
    with pytest.raises(ValidationError) as refused:
        WholeNumberField(max_value=100).clean("9" * 5000)
    assert refused.value.code == "max_value"
    assert WholeNumberField(max_value=100, required=False).clean("") is None
    assert WholeNumberField(max_value=100).clean(" 42 ") == 42


@pytest.mark.parametrize("value", ["1999", "2101", "٢٠١٩", "1e3"])
def test_a_year_field_takes_the_years_the_tables_hold(value: str) -> None:
    with pytest.raises(ValidationError) as refused:
        YearField().clean(value)
    assert refused.value.messages == [f"‘{value}’ is geen geldig jaar; verwacht een jaartal van 2000 tot en met 2100."]
    assert YearField().clean("2019") == 2019


def test_a_text_field_names_the_control_character_once() -> None:
    with pytest.raises(ValidationError) as refused:
        TextField().clean("a\x00b")
    assert refused.value.messages == ["‘a\ufffdb’ bevat een onzichtbaar stuurteken (U+0000); verwijder het."]
    assert TextField(multiline=True).clean("a\nb") == "a\nb"


# --- the import cells share these definitions -------------------------------------------------------------------


@pytest.mark.parametrize("value", NOT_ASCII)
def test_an_import_cell_reads_ascii_digits_only(value: str) -> None:
    assert isinstance(parse_year(value), str)
    assert isinstance(parse_persons(value), str)
    assert isinstance(parse_fte_cents(value), str)


def test_an_import_cell_says_too_big_for_a_number_beyond_the_column() -> None:
    assert parse_persons("2147483647") == 2147483647
    assert parse_persons("2147483648") == "‘2147483648’ is te groot; verwacht een geheel getal van 0 tot 2.147.483.647."
    assert "te groot" in str(parse_persons("9" * 5000))


def test_a_vte_cell_takes_a_decimal_comma_or_point_in_ascii_digits() -> None:
    assert parse_fte_cents("12,5") == 1250
    assert parse_fte_cents("12.25") == 1225
    assert isinstance(parse_fte_cents("١٢,٥"), str)


@pytest.mark.parametrize("char", ["\x01", "\x1b", "\x7f", "\x0b"])
def test_an_import_text_cell_refuses_control_characters(char: str) -> None:
    assert "stuurteken" in str(cell_text_problem(f"Organisatie{char}vzw"))
