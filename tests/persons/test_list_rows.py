"""The person list's rows written in Python (`person_rows`) are the markup the template loop
wrote, cell by cell, for every kind of row: late and coming due items, overdue counts, no talk,
no episode, and names and labels that need escaping."""

import re
from datetime import date, timedelta
from types import SimpleNamespace

from django.template import Context, Template
from django.utils import translation

from casework.models import Person
from persons.templatetags.person_list import person_rows

# The loop the list template held, kept here as the reference the Python rows must equal.
TEMPLATE_LOOP = """{% load i18n %}{% for p in rows %}
    <tr>
      <td><a href="{{ p.detail_url }}">{{ p.name }}</a></td>
      <td>{{ p.get_sex_display }}</td>
      <td class="mono">{{ p.id_number_masked }}</td>
      <td>{{ p.region.name }}</td>
      <td>{{ p.kind_label }}</td>
      <td>{% if p.status_label %}<span class="badge badge-{{ p.current_status }}">{{ p.status_label }}</span>{% endif %}</td>
      <td data-label="{% translate "下次应办" %}">{% if p.next_due %}<span{% if p.next_due < today %} class="late"{% endif %}>{{ p.next_due|date:"Y-m-d" }}</span> <small class="muted">{{ p.next_due_kind_label }}</small>{% else %}<span class="muted">—</span>{% endif %}</td>
      <td data-label="{% translate "逾期事项" %}">{% if p.overdue_count %}<span class="badge badge-overdue">{{ p.overdue_count }}</span>{% else %}<span class="muted">0</span>{% endif %}</td>
      <td data-label="{% translate "最近谈话走访" %}">{% if p.last_contact %}{{ p.last_contact|date:"Y-m-d" }}{% else %}<span class="muted">—</span>{% endif %}</td>
      <td><span class="badge badge-risk-{{ p.risk_level }}">{{ p.get_risk_level_display }}</span></td>
    </tr>
  {% endfor %}"""

TODAY = date(2026, 12, 4)


def _row(**values):
    row = SimpleNamespace(
        detail_url="/persons/7/",
        name="张三",
        sex="M",
        id_number_masked="110101********0012",
        region=SimpleNamespace(name="城关社区"),
        kind_label="社区戒毒",
        status_label="执行中",
        current_status="active",
        next_due=TODAY + timedelta(days=3),
        next_due_kind_label="尿检",
        overdue_count=0,
        last_contact=TODAY - timedelta(days=10),
        risk_level="medium",
    )
    for name, value in values.items():
        setattr(row, name, value)
    # What the template read through the model's display methods (labels translated when read).
    row.get_sex_display = lambda: dict(Person.Sex.choices)[row.sex]
    row.get_risk_level_display = lambda: dict(Person.Risk.choices)[row.risk_level]
    return row


ROWS = [
    _row(),
    _row(next_due=TODAY - timedelta(days=1), overdue_count=2, risk_level="high"),
    _row(next_due=TODAY, last_contact=None, sex="F", risk_level="low"),
    _row(next_due=None, next_due_kind_label="", status_label="", current_status=None, kind_label=""),
    _row(name='<b>李"四"</b>&', region=SimpleNamespace(name="<i>区</i>"), next_due_kind_label="<x>"),
]


def _cells(html: str) -> list[str]:
    """The markup with the layout whitespace between tags taken out."""
    return re.sub(r">\s+<", "><", html.strip()).split("</tr>")


def test_the_rows_are_the_template_loops_markup_in_both_languages():
    for language in ("zh-hans", "en"):
        with translation.override(language):
            expected = Template(TEMPLATE_LOOP).render(Context({"rows": ROWS, "today": TODAY}))
            written = person_rows(ROWS, TODAY)
        assert _cells(written) == _cells(expected), language
    assert "&lt;b&gt;李&quot;四&quot;&lt;/b&gt;&amp;" in written and "<b>" not in written
    assert written.count('class="late"') == 1 and 'badge-overdue">2<' in written


def test_no_rows_write_nothing():
    assert person_rows([], TODAY) == ""
