from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from inventory.templatetags.numbers import percent, persons, signed, signed_percent


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl-be", "63.552 · 14,1 % · +6.090 · +10,6 % · -16,0 % · 433.385"),
        ("en", "63,552 · 14.1 % · +6,090 · +10.6 % · -16.0 % · 433,385"),
    ],
)
def test_numbers_are_shown_the_belgian_way_in_dutch_and_the_english_way_in_english(
    language: str, expected: str
) -> None:
    with translation.override(language):
        shown = " · ".join(
            [
                persons(63552),
                percent(Decimal("14.07")),
                signed(6090),
                signed_percent(10.6),
                signed_percent(-15.997),
                persons(433385),
            ]
        )
    assert shown == expected


def test_plain_template_numbers_leave_years_alone_and_counts_are_grouped_by_the_filter() -> None:
    with translation.override("nl-be"):
        template = Template("{% load numbers %}{{ year }} {{ d }} {{ n|persons }}")
        assert template.render(Context({"year": 2019, "d": Decimal("20.02"), "n": 317495})) == "2019 20,02 317.495"


def test_missing_values_show_a_dash() -> None:
    assert persons(None) == percent(None) == signed(None) == "–"
