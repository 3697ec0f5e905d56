"""Resident identity numbers (公民身份号码, GB 11643-1999).

Eighteen characters: a six-digit address code, the birth date as YYYYMMDD,
a three-digit sequence code whose last digit is odd for men and even for
women, and an ISO 7064 MOD 11-2 check character (0-9 or X).
"""

import re
from dataclasses import dataclass
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_PATTERN = re.compile(r"^\d{17}[\dX]$")
# Spaces (ASCII and the full-width 　) and hyphens are how numbers get typed off a document.
_SEPARATORS = re.compile(r"[\s\u3000\-]+")
# What a search box takes for an attempt at a whole number (not the last four characters): long
# runs of digits, complete or not, so a mistyped number is refused rather than matched as a name.
_ID_LIKE = re.compile(r"^\d{14,17}[\dX]?$")


class InvalidIdNumber(ValueError):
    """The text is not a valid resident identity number; the message says why."""


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: date
    sex: str  # "M" or "F"


def check_char(first17: str) -> str:
    """Return the GB 11643 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalise(text: str) -> str:
    """Return the number as stored: separators dropped, a lower-case x made upper-case."""
    return _SEPARATORS.sub("", text or "").upper()


def looks_like_id_number(text: str) -> bool:
    """Return whether the text is meant as a whole ID number (valid or not)."""
    return bool(_ID_LIKE.match(normalise(text)))


def parse_id_number(text: str) -> IdNumber:
    """Return the parsed number, or raise InvalidIdNumber with the reason."""
    value = normalise(text)
    if not _PATTERN.match(value):
        raise InvalidIdNumber("format")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise InvalidIdNumber("birth_date") from exc
    if birth.year < 1900:
        raise InvalidIdNumber("birth_date")
    if check_char(value[:17]) != value[17]:
        raise InvalidIdNumber("checksum")
    sex = "M" if int(value[16]) % 2 == 1 else "F"
    return IdNumber(value=value, birth_date=birth, sex=sex)


def make_id_number(area: str, birth: date, sequence: int, sex: str) -> str:
    """Build a valid number (for demo data and tests): sequence 0-499."""
    seq = sequence * 2 + (1 if sex == "M" else 0)
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def mask_id_number(value: str) -> str:
    """Return the number with the middle hidden: 320102********1234."""
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """Return a phone number with the middle hidden: 138****5678."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
