import pytest
from django.core.exceptions import ValidationError

from inventory.kbo import format_kbo, normalise_kbo


@pytest.mark.parametrize(
    ("spelling", "digits"),
    [
        ("0202.239.951", "0202239951"),  # Proximus
        ("0202239951", "0202239951"),
        ("BE0202239951", "0202239951"),
        ("BE 0202 239 951", "0202239951"),
        ("be0202.239.951", "0202239951"),
        ("0419.052.173", "0419052173"),  # KU Leuven
        ("419052173", "0419052173"),  # the old nine-digit form
    ],
)
def test_real_enterprise_numbers_are_accepted_in_every_usual_spelling(spelling: str, digits: str) -> None:
    assert normalise_kbo(spelling) == digits


@pytest.mark.parametrize("wrong", ["0202.239.952", "0419.052.174", "BE0202239950"])
def test_a_wrong_check_digit_is_refused_with_a_dutch_message_naming_the_value(wrong: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        normalise_kbo(wrong)
    message = excinfo.value.messages[0]
    assert wrong in message
    assert "controlecijfers" in message
    assert excinfo.value.code == "kbo_checksum"


@pytest.mark.parametrize("malformed", ["", "12", "0202.239.95", "02022399511", "abcdefghij", "2202239951"])
def test_malformed_numbers_are_refused(malformed: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        normalise_kbo(malformed)
    assert excinfo.value.code in ("kbo_format", "kbo_checksum")


def test_numbers_are_shown_as_four_three_three_digits() -> None:
    assert format_kbo("0202239951") == "0202.239.951"
