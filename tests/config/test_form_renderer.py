"""The select boxes and inputs the project's renderer writes in Python are the ones Django's
templates write, character for character, for every kind of select and input; other widgets
are left to the templates."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.utils.safestring import mark_safe

from casework.models import Region
from config.forms import INPUTS, FormRenderer

pytestmark = pytest.mark.django_db

CHOICES = [
    ("", "全部状态"),
    ("a", "执行中"),
    ("b&c", 'quote " and <tag>'),
    (3, "三"),
]
GROUPED = [("", "—"), ("城关镇", [("1", "东门"), ("2", "西门")]), ("和平镇", [("3", "南街")])]


class Everything(forms.Form):
    plain = forms.ChoiceField(choices=CHOICES, required=False)
    grouped = forms.ChoiceField(choices=GROUPED)
    many = forms.MultipleChoiceField(choices=CHOICES[1:], required=False)
    yes_no = forms.NullBooleanField()
    regions = forms.ModelChoiceField(Region.objects.order_by("path"), required=False, empty_label="全部社区")
    attrs = forms.ChoiceField(
        choices=CHOICES,
        widget=forms.Select(attrs={"class": "x<y", "data-on": True, "data-off": False, "aria-label": "状态"}),
    )
    safe = forms.ChoiceField(choices=[("s", mark_safe("<b>粗</b>"))])
    text = forms.CharField()
    text_attrs = forms.CharField(
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": '姓名 "或" <号码>', "autofocus": True, "readonly": False}
        ),
    )
    number = forms.IntegerField(required=False, min_value=0)
    decimal = forms.DecimalField(required=False)
    email = forms.EmailField(required=False)
    url = forms.URLField(required=False, assume_scheme="https")
    password = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(required=False, widget=forms.HiddenInput)
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    moment = forms.DateTimeField(required=False)
    hour = forms.TimeField(required=False)
    search = forms.CharField(required=False, widget=forms.SearchInput)
    phone = forms.CharField(required=False, widget=forms.TelInput)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"plain": "b&c", "grouped": "2", "many": ["a", "3"], "yes_no": "true", "attrs": "3", "safe": "s"},
        {"plain": "nonsense", "grouped": "", "yes_no": "unknown"},
        {
            "text": '<script>"x"</script>&',
            "text_attrs": "张三",
            "number": "0",
            "decimal": "1.50",
            "email": "a&b@example.com",
            "url": "https://example.com/?a=1&b=2",
            "password": "p<w>",
            "hidden": "h'1",
            "day": "2026-12-07",
            "moment": "2026-12-07 08:30",
            "hour": "08:30",
            "search": "",
            "phone": "138 0000 0000",
        },
        {"number": "nonsense", "day": "2026-02-30", "hour": "25:00"},
    ],
)
def test_every_select_is_written_as_the_templates_write_it(world, data):
    fast, templates = Everything(data, renderer=FormRenderer()), Everything(data, renderer=DjangoTemplates())
    fast.is_valid(), templates.is_valid()
    assert Region.objects.exists()
    for name in fast.fields:
        assert str(fast[name]) == str(templates[name]), name
    assert str(fast["grouped"]).count("<optgroup") == 2
    # Every input kind the renderer writes is in the form above.
    written = {type(fast.fields[name].widget).template_name for name in fast.fields}
    assert written >= INPUTS


def test_an_option_with_a_template_of_its_own_goes_through_the_templates(world):
    class OwnOption(forms.Select):
        option_template_name = "django/forms/widgets/input.html"

    class Own(forms.Form):
        own = forms.ChoiceField(choices=CHOICES, widget=OwnOption)

    fast = str(Own(renderer=FormRenderer())["own"])
    assert fast == str(Own(renderer=DjangoTemplates())["own"])
    assert "<option" not in fast and "<input" in fast


def test_the_project_renders_forms_with_it():
    assert isinstance(get_default_renderer(), FormRenderer)
