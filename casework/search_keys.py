"""The keys a person is found by, kept beside the file and filled whenever it is saved.

- `id_number_key`: a keyed hash (HMAC-SHA256 with `settings.ID_NUMBER_SEARCH_KEY`) of the
  normalised ID number. A search by the full number is one equality on this indexed column, and
  the page it redirects to carries the hash, never the number, so the number does not end up in
  the browser's history, a proxy's log or the access log's path.
- `name_initials`: the pinyin initials of the name, every reading of a character with several
  (单 dan/shan, 曾 ceng/zeng: surnames are where a wrong reading bites), space-separated.
"""

import hashlib
import hmac
import itertools

from django.conf import settings
from pypinyin import Style, pinyin

from .idnumber import normalise

# A name of 4 characters with 2 readings each already gives 16; beyond this the tail of the
# name is read one way only.
MAX_READINGS = 8


def id_number_key(text: str) -> str:
    """Return the keyed hash of the (normalised) number; empty for an empty number."""
    value = normalise(text)
    if not value:
        return ""
    return hmac.new(settings.ID_NUMBER_SEARCH_KEY.encode(), value.encode(), hashlib.sha256).hexdigest()


def name_initials(name: str) -> str:
    """Return the pinyin initials of the name, each reading once, space-separated ("zs" for 张三).

    Characters that are not Chinese (a Latin letter, a dot in a transliterated name) count as
    their own lower-case letter; anything else is left out.
    """
    readings = []
    for char in name or "":
        if char.isascii():
            letters = [char.lower()] if char.isalpha() else []
        else:
            # One character at a time: pypinyin joins a run of non-Chinese text into one item.
            options = pinyin(char, style=Style.FIRST_LETTER, heteronym=True)[0]
            letters = sorted({o[:1].lower() for o in options if o[:1].isascii() and o[:1].isalpha()})
        if letters:
            readings.append(letters)
    combos = []
    for combo in itertools.product(*readings):
        combos.append("".join(combo))
        if len(combos) >= MAX_READINGS:
            break
    return " ".join(dict.fromkeys(combos))


def person_keys_fill(person) -> None:
    """Set the person's search keys from their number and name (before a save)."""
    person.id_number_key = id_number_key(person.id_number)
    person.name_initials = name_initials(person.name)[:100]


def keys_refill(person_model, batch_size: int = 2000) -> int:
    """Recompute every person's search keys in batches (after ID_NUMBER_SEARCH_KEY changes, and
    in the migration that added them); return how many files were read."""
    batch, total = [], 0
    for person in (
        person_model.objects.only("pk", "id_number", "name").order_by("pk").iterator(chunk_size=batch_size)
    ):
        person.id_number_key = id_number_key(person.id_number)
        person.name_initials = name_initials(person.name)[:100]
        batch.append(person)
        total += 1
        if len(batch) >= batch_size:
            person_model.objects.bulk_update(batch, ["id_number_key", "name_initials"])
            batch = []
    if batch:
        person_model.objects.bulk_update(batch, ["id_number_key", "name_initials"])
    return total
