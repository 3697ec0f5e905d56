"""The rows of 我的待办 written in Python (`step_rows`, `duty_rows`, `duty_action`) are the markup
the templates wrote: steps of the user or to claim, with and without a deadline, late or not,
in working days or not; every kind of duty and episode state, grouped by person or not; in
Chinese and in English, with names that need escaping and with or without a CSRF token."""

import re
from datetime import date, timedelta

import pytest
from django.template import Context, Template
from django.utils import translation

from casework.models import DayCount, Episode, Obligation, ObligationKind, Person
from workflows.templatetags.work_rows import duty_action, duty_rows, step_rows
from workflows.work import RECORDABLE

# The templates these tags replace, kept here as the reference the Python rows must equal.
ACTION_TEMPLATE = """{% load i18n %}{% if o.kind == "drug_test" or o.kind == "talk" or o.kind == "home_visit" %}{% if o.episode.status not in recordable %}<span class="muted small">{% blocktranslate with status=o.episode.get_status_display %}{{ status }}，暂不能登记{% endblocktranslate %}</span>{% elif o.kind == "drug_test" %}<a href="{% url 'drug_test_new' o.person_id %}?obligation={{ o.pk }}">{% translate "登记检测" %}</a>{% else %}<a href="{% url 'talk_new' o.person_id %}?obligation={{ o.pk }}">{% translate "登记谈话" %}</a>{% endif %}{% elif o.kind == "absence_back" or o.kind == "handover" %}<a href="{% url 'person_breaches' o.person_id %}">{% translate "查看" %}</a>{% endif %}"""

STEPS_TEMPLATE = """{% load i18n casework_tags %}{% translate "人员" as l_person %}{% translate "期限" as l_deadline %}{% translate "办理人" as l_holder %}{% translate "已逾期" as l_overdue %}{% translate "我" as l_me %}{% translate "单位待认领" as l_unclaimed %}{% translate "退回" as l_release %}{% translate "认领" as l_claim %}{% translate "办理" as l_do %}
    {% for r in rows %}
      <tr><td><a href="{{ r.url }}">{{ r.title }}</a></td>
      <td data-label="{{ l_person }}"><a href="{{ r.person_url }}">{{ r.person_name }}</a></td>
      <td data-label="{{ l_deadline }}">{% if r.deadline %}{{ r.deadline|date:"DATE_FORMAT" }} <span class="muted small deadline-basis">{{ r|deadline_basis }}</span>{% if r.deadline < today %} <span class="badge badge-overdue">{{ l_overdue }}</span>{% endif %}{% else %}—{% endif %}</td>
      <td data-label="{{ l_holder }}">{% if r.mine %}{{ l_me }}{% else %}{{ l_unclaimed }}{% endif %}</td>
      <td><div class="rowactions">{% if r.mine %}<form method="post" action="{{ r.release_url }}">{% csrf_token %}<button type="submit">{{ l_release }}</button></form>{% else %}<form method="post" action="{{ r.claim_url }}">{% csrf_token %}<button type="submit">{{ l_claim }}</button></form>{% endif %}
      <a class="button primary" href="{{ r.url }}">{{ l_do }}</a></div></td></tr>
    {% endfor %}"""

ROWS_TEMPLATE = (
    """{% load i18n casework_tags %}{% translate "事项" as l_kind %}{% translate "截止日期" as l_due %}{% translate "状态" as l_status %}{% for o in items %}
    <tr{% if grouped == "person" %}{% ifchanged o.person_id %} class="person-first"{% endifchanged %}{% endif %}><td><a href="{{ o.person_url }}">{{ o.person.name }}</a></td><td data-label="{{ l_kind }}">{{ o.get_kind_display }}</td>
    <td data-label="{{ l_due }}">{{ o.due_by|date:"DATE_FORMAT" }} <span class="muted small deadline-basis">{{ o|deadline_basis }}</span></td>
    <td data-label="{{ l_status }}"><span class="badge badge-{% if o.status == 'overdue' %}overdue{% else %}decided{% endif %}">{{ o.get_status_display }}</span></td>
    <td>"""
    + ACTION_TEMPLATE.removeprefix("{% load i18n %}")
    + """</td></tr>
  {% endfor %}"""
)


def _duty(pk, person_id, kind, status="pending", episode_status=Episode.Status.ACTIVE, name="张三", **values):
    duty = Obligation(pk=pk, kind=kind, status=status, due_by=date(2026, 12, 9), **values)
    duty.person = Person(pk=person_id, name=name)
    duty.episode = Episode(status=episode_status)
    duty.person_url = f"/persons/{person_id}/"
    return duty


ITEMS = [
    _duty(1, 7, ObligationKind.DRUG_TEST),
    _duty(2, 7, ObligationKind.TALK, status="overdue", period_days=3, day_count=DayCount.WORKING),
    _duty(3, 8, ObligationKind.HOME_VISIT, episode_status=Episode.Status.SUSPENDED),
    _duty(4, 8, ObligationKind.DRUG_TEST, episode_status=Episode.Status.MISSING),
    _duty(5, 9, ObligationKind.ABSENCE_BACK, name='<b>李"四"</b>&'),
    _duty(6, 9, ObligationKind.HANDOVER, status="overdue"),
    _duty(7, 7, ObligationKind.CLOSING_FILE),
]


def _cells(html: str) -> list[str]:
    """The markup with the layout whitespace between tags taken out."""
    return re.sub(r">\s+<", "><", html.strip()).split("</tr>")


def test_the_rows_are_the_templates_markup_grouped_or_not_in_both_languages():
    for language in ("zh-hans", "en"):
        for grouped in ("due", "person"):
            with translation.override(language):
                context = {"items": ITEMS, "grouped": grouped, "recordable": RECORDABLE}
                expected = Template(ROWS_TEMPLATE).render(Context(context))
                written = duty_rows(ITEMS, grouped, RECORDABLE)
            assert _cells(written) == _cells(expected), (language, grouped)
    assert written.count('class="person-first"') == 4  # persons 7, 8, 9, and 7 again
    assert "&lt;b&gt;李&quot;四&quot;&lt;/b&gt;&amp;" in written and "<b>" not in written


def test_each_action_is_the_templates_in_both_languages():
    for language in ("zh-hans", "en"):
        with translation.override(language):
            for duty in ITEMS:
                expected = Template(ACTION_TEMPLATE).render(Context({"o": duty, "recordable": RECORDABLE}))
                page = Context()
                assert duty_action(page, duty, RECORDABLE) == expected, (language, duty.kind)
    page = Context()
    with translation.override("zh-hans"):
        assert "暂不能登记" in duty_action(page, ITEMS[2], RECORDABLE)
        assert "?obligation=1" in duty_action(page, ITEMS[0], RECORDABLE)
        assert duty_action(page, ITEMS[6], RECORDABLE) == ""


def test_no_duties_write_nothing():
    assert duty_rows([], "due", RECORDABLE) == ""


TODAY = date(2026, 12, 7)


def _step(pk, mine=False, deadline=None, name="张三", title="报到", **values):
    row = {
        "url": f"/tasks/{pk}/",
        "title": title,
        "claim_url": f"/tasks/{pk}/claim/",
        "release_url": f"/tasks/{pk}/release/",
        "person_url": "/persons/7/",
        "person_id": 7,
        "person_name": name,
        "deadline": deadline,
        "period_days": 15,
        "day_count": "" if deadline is None else DayCount.CALENDAR,
        "mine": mine,
    }
    row.update(values)
    return row


STEPS = [
    _step(1, deadline=TODAY + timedelta(days=3)),
    _step(2, mine=True, deadline=TODAY - timedelta(days=1), day_count=DayCount.WORKING),
    _step(3, mine=True, title="审批"),
    _step(4, deadline=TODAY, name='<b>李"四"</b>&', title="<i>转介</i>"),
]


# Django's own csrf_token tag warns when it writes nothing for "NOTPROVIDED".
@pytest.mark.filterwarnings("ignore::django.utils.deprecation.RemovedInDjango60Warning")
def test_the_step_rows_are_the_templates_markup_in_both_languages():
    for language in ("zh-hans", "en"):
        for token in ("tok3n", "NOTPROVIDED", None):
            with translation.override(language):
                context = Context({"rows": STEPS, "today": TODAY, "csrf_token": token})
                expected = Template(STEPS_TEMPLATE).render(context)
                written = step_rows(context, STEPS, TODAY)
            assert _cells(written) == _cells(expected), (language, token)
    assert written.count("badge-overdue") == 1 and "csrfmiddlewaretoken" not in written
    assert "&lt;b&gt;李&quot;四&quot;&lt;/b&gt;&amp;" in written and "<i>" not in written
    with translation.override("zh-hans"):
        written = step_rows(Context({"csrf_token": "tok3n"}), STEPS, TODAY)
    assert written.count('name="csrfmiddlewaretoken" value="tok3n"') == 4
    assert written.count("/release/") == 2 and written.count("/claim/") == 2
