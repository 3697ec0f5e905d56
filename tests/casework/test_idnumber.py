from datetime import date

import pytest

from casework.idnumber import (
    InvalidIdNumber,
    check_char,
    make_id_number,
    mask_id_number,
    mask_phone,
    parse_id_number,
)


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        ("11010519491231002X", date(1949, 12, 31), "F"),  # the GB 11643 example, check character X
        ("110101199003074477", date(1990, 3, 7), "M"),
        ("110101199003078021", date(1990, 3, 7), "F"),
        (" 11010519491231002x ", date(1949, 12, 31), "F"),  # spaces and lower-case x are normalised
    ],
)
def test_valid_numbers_parse_with_birth_date_and_sex(number, birth, sex):
    parsed = parse_id_number(number)
    assert parsed.value == number.strip().upper()
    assert parsed.birth_date == birth
    assert parsed.sex == sex


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("110105194912310021", "checksum"),  # right shape, wrong check digit (should be X)
        ("11010519491231002", "format"),  # 17 characters
        ("1101051949123100211", "format"),  # 19 characters
        ("11010519491231002Y", "format"),  # check character other than a digit or X
        ("110105194902300023", "birth_date"),  # 30 February
        ("110105189912310023", "birth_date"),  # before 1900
        ("", "format"),
    ],
)
def test_invalid_numbers_say_why(number, reason):
    with pytest.raises(InvalidIdNumber) as info:
        parse_id_number(number)
    assert str(info.value) == reason


def test_check_char_follows_iso_7064_mod_11_2():
    assert check_char("11010519491231002") == "X"
    assert check_char("11010119900307447") == "7"


def test_made_numbers_are_valid_and_carry_sex():
    number = make_id_number("320102", date(1985, 6, 1), 12, "F")
    parsed = parse_id_number(number)
    assert parsed.sex == "F"
    assert parsed.birth_date == date(1985, 6, 1)


def test_masks_hide_the_middle():
    assert mask_id_number("320102198506010241") == "320102********0241"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("") == ""
