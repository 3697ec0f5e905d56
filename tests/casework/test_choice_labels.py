"""Every model's ``get_FOO_display`` answers from the cached label table exactly as Django's
own method does, for every choice of every field, in Chinese and in English, and for a value
that is no choice; and the table follows the active language."""

from pathlib import Path

from django.apps import apps
from django.db import models
from django.utils import translation

from casework.choice_labels import ChoiceLabels
from casework.models import Obligation, ObligationKind

# The project's own apps: those whose code lives in this repository, not in a library.
ROOT = str(Path(__file__).resolve().parents[2])


def _fields_with_choices():
    for model in apps.get_models():
        if not model._meta.app_config.path.startswith(ROOT) or ".venv" in model._meta.app_config.path:
            continue
        for field in model._meta.concrete_fields:
            if field.choices and hasattr(model, f"get_{field.name}_display"):
                yield model, field


def test_project_models_with_choices_use_the_label_table():
    found = [(m, f) for m, f in _fields_with_choices() if not issubclass(m, ChoiceLabels)]
    assert found == []
    assert len(list(_fields_with_choices())) > 20


def test_labels_equal_djangos_for_every_choice_and_language():
    compared = 0
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for model, field in _fields_with_choices():
                obj = model()
                values = [value for value, _label in field.flatchoices] + ["no-such-choice"]
                for value in values:
                    setattr(obj, field.attname, value)
                    ours = getattr(obj, f"get_{field.name}_display")()
                    django = models.Model._get_FIELD_display(obj, field)
                    assert ours == django, (model, field.name, value, language)
                    assert type(ours) is type(django)
                    compared += 1
    assert compared > 100


def test_the_table_follows_the_language():
    obligation = Obligation(kind=ObligationKind.DRUG_TEST)
    with translation.override("zh-hans"):
        chinese = obligation.get_kind_display()
    with translation.override("en"):
        english = obligation.get_kind_display()
    with translation.override("zh-hans"):
        again = obligation.get_kind_display()
    assert chinese == again
    assert chinese != english
    assert english.isascii()
