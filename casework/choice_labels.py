"""Choice labels read from a table built once per field and language.

Django's ``get_FOO_display`` builds a dict of the field's choices on every call, and building
it hashes every (value, lazy label) pair, which translates every label of the field: a page of
fifty duties with a kind and a status column translated about a thousand labels to show a
hundred. Models that inherit ``ChoiceLabels`` answer ``get_FOO_display`` from a table made
the first time a field is displayed in a language; the answer is the one Django gives (the
label as a string, or the value itself when it is no choice).
"""

from functools import cache

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language


@cache
def _labels(field, language: str | None) -> dict:
    # The language is part of the key: the labels are read (translated) as the table is built.
    return {make_hashable(value): force_str(label, strings_only=True) for value, label in field.flatchoices}


class ChoiceLabels(models.Model):
    """An abstract base whose ``get_FOO_display`` reads the labels from the table above."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        return force_str(_labels(field, get_language()).get(make_hashable(value), value), strings_only=True)
