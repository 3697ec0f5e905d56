"""The rows of 我的待办 (its flow steps and its duties) and each duty's action, written in Python.

我的待办 lists up to fifty steps, each with a claim or release form, and fifty duties, each with
an include for its action; as template code a row cost two dozen node renders, context lookups
and translations, a third of the page. The markup is what the templates wrote (a test compares
them), with the labels translated and the links' URL patterns read once per table.
"""

from django import template
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from casework.links import url_by_pk
from casework.models import ObligationKind
from casework.templatetags.casework_tags import deadline_basis

# Django's {% csrf_token %} field, as its template tag writes it.
CSRF_FIELD = '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'

register = template.Library()

RECORDED_HERE = {ObligationKind.DRUG_TEST, ObligationKind.TALK, ObligationKind.HOME_VISIT}
SEEN_ON_BREACHES = {ObligationKind.ABSENCE_BACK, ObligationKind.HANDOVER}


class _Actions:
    """Writes a duty's action: the form that records it, the page to look at, or why not now."""

    def __init__(self, recordable):
        self.recordable = recordable
        self.drug_test = url_by_pk("drug_test_new")
        self.talk = url_by_pk("talk_new")
        self.breaches = url_by_pk("person_breaches")
        self.labels = {
            "drug_test": gettext("登记检测"),
            "talk": gettext("登记谈话"),
            "look": gettext("查看"),
        }
        self.not_now = gettext("%(status)s，暂不能登记")

    def __call__(self, o) -> SafeString:
        if o.kind in RECORDED_HERE:
            if o.episode.status not in self.recordable:
                text = self.not_now % {"status": conditional_escape(o.episode.get_status_display())}
                return mark_safe(f'<span class="muted small">{text}</span>')
            if o.kind == ObligationKind.DRUG_TEST:
                url, label = self.drug_test(o.person_id), self.labels["drug_test"]
            else:
                url, label = self.talk(o.person_id), self.labels["talk"]
            return format_html('<a href="{}?obligation={}">{}</a>', url, o.pk, label)
        if o.kind in SEEN_ON_BREACHES:
            return format_html('<a href="{}">{}</a>', self.breaches(o.person_id), self.labels["look"])
        return mark_safe("")


@register.simple_tag(takes_context=True)
def duty_action(context, o, recordable) -> SafeString:
    """Return one duty's action (the home page's table, whose rows are grouped by person); the
    links' patterns are read once per page."""
    actions = context.render_context.get(_Actions)
    if actions is None:
        actions = context.render_context[_Actions] = _Actions(recordable)
    return actions(o)


@register.simple_tag
def duty_rows(items, grouped, recordable) -> SafeString:
    """Return the <tr> of each duty of 我的待办 (each item carries its person_url); grouped by
    person, the first row of each person is marked."""
    action = _Actions(recordable)
    kind, due, status = gettext("事项"), gettext("截止日期"), gettext("状态")
    previous = object()
    rows = []
    dates = {}  # many duties of a page fall due on the same few days
    for o in items:
        first = ""
        if grouped == "person" and o.person_id != previous:
            first = mark_safe(' class="person-first"')
        previous = o.person_id
        rows.append(
            (
                first,
                o.person_url,
                o.person.name,
                kind,
                o.get_kind_display(),
                due,
                dates.get(o.due_by) or dates.setdefault(o.due_by, date_format(o.due_by, "DATE_FORMAT")),
                deadline_basis(o),
                status,
                "overdue" if o.status == "overdue" else "decided",
                o.get_status_display(),
                action(o),
            )
        )
    return format_html_join(
        "\n",
        '<tr{}><td><a href="{}">{}</a></td><td data-label="{}">{}</td>'
        '<td data-label="{}">{} <span class="muted small deadline-basis">{}</span></td>'
        '<td data-label="{}"><span class="badge badge-{}">{}</span></td><td>{}</td></tr>',
        rows,
    )


@register.simple_tag(takes_context=True)
def step_rows(context, rows, today) -> SafeString:
    """Return the <tr> of each flow step of 我的待办 (rows as the view builds them: title, links,
    deadline, whether the step is the user's), with the claim or release form of each."""
    token = context.get("csrf_token")
    csrf = format_html(CSRF_FIELD, token) if token and token != "NOTPROVIDED" else ""
    person, deadline, holder = gettext("人员"), gettext("期限"), gettext("办理人")
    overdue = format_html(' <span class="badge badge-overdue">{}</span>', gettext("已逾期"))
    me, unclaimed = gettext("我"), gettext("单位待认领")
    release, claim, do = gettext("退回"), gettext("认领"), gettext("办理")
    written = []
    for r in rows:
        if r["deadline"]:
            when = format_html(
                '{} <span class="muted small deadline-basis">{}</span>{}',
                date_format(r["deadline"], "DATE_FORMAT"),
                deadline_basis(r),
                overdue if r["deadline"] < today else "",
            )
        else:
            when = "—"
        mine = r["mine"]
        written.append(
            (
                r["url"],
                r["title"],
                person,
                r["person_url"],
                r["person_name"],
                deadline,
                when,
                holder,
                me if mine else unclaimed,
                r["release_url"] if mine else r["claim_url"],
                csrf,
                release if mine else claim,
                r["url"],
                do,
            )
        )
    return format_html_join(
        "\n",
        '<tr><td><a href="{}">{}</a></td>\n      <td data-label="{}"><a href="{}">{}</a></td>\n'
        '      <td data-label="{}">{}</td>\n      <td data-label="{}">{}</td>\n'
        '      <td><div class="rowactions"><form method="post" action="{}">{}<button type="submit">{}</button>'
        '</form>\n      <a class="button primary" href="{}">{}</a></div></td></tr>',
        written,
    )
