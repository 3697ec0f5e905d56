"""The person list's table rows, written in Python.

The list shows up to fifty rows of ten cells; as a template loop each row cost a dozen node
renders, context lookups and translations, a third of the page. The markup is the same the
loop wrote (a test reads it cell by cell), with each label translated once per page.
"""

from datetime import date

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from casework.models import Person

register = template.Library()

DASH = mark_safe('<span class="muted">—</span>')


def _next_due(person, today: date) -> SafeString:
    if not person.next_due:
        return DASH
    late = mark_safe(' class="late"') if person.next_due < today else ""
    return format_html(
        '<span{}>{}</span> <small class="muted">{}</small>',
        late,
        person.next_due.strftime("%Y-%m-%d"),
        person.next_due_kind_label,
    )


def _overdue(person) -> SafeString:
    if person.overdue_count:
        return format_html('<span class="badge badge-overdue">{}</span>', person.overdue_count)
    return mark_safe('<span class="muted">0</span>')


def _status(person) -> SafeString:
    if not person.status_label:
        return ""
    return format_html('<span class="badge badge-{}">{}</span>', person.current_status, person.status_label)


@register.simple_tag
def person_rows(rows, today: date) -> SafeString:
    """Return the <tr> of each person of a list page (rows carry the figures the view set)."""
    sexes = {value: str(label) for value, label in Person.Sex.choices}
    risks = {value: str(label) for value, label in Person.Risk.choices}
    next_due, overdue, last_contact = gettext("下次应办"), gettext("逾期事项"), gettext("最近谈话走访")
    return format_html_join(
        "\n",
        '<tr><td><a href="{}">{}</a></td><td>{}</td><td class="mono">{}</td><td>{}</td><td>{}</td>'
        '<td>{}</td><td data-label="{}">{}</td><td data-label="{}">{}</td><td data-label="{}">{}</td>'
        '<td><span class="badge badge-risk-{}">{}</span></td></tr>',
        (
            (
                p.detail_url,
                p.name,
                sexes.get(p.sex, p.sex),
                p.id_number_masked,
                p.region.name,
                p.kind_label,
                _status(p),
                next_due,
                _next_due(p, today),
                overdue,
                _overdue(p),
                last_contact,
                p.last_contact.strftime("%Y-%m-%d") if p.last_contact else DASH,
                p.risk_level,
                risks.get(p.risk_level, p.risk_level),
            )
            for p in rows
        ),
    )
