"""The person list's figures on a page of the name sort (`figures_attach`, two queries over the
page's persons) are the ones the sorts by figures compute per row in SQL (`person_figures`),
for every demo role: the next due item and its kind, the overdue count and the last talk, each
of what that user may read of the person (a drug-test date only to readers of drug tests)."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from persons.selectors import figures_attach, person_figures, person_rows

pytestmark = pytest.mark.django_db

USERS = [
    "sw_chengguan",
    "ws_chengguan",
    "police_chengguan",
    "judicial_chengguan",
    "hr_chengguan",
    "civil_chengguan",
    "sup_chengguan",
    "sup_county",
]


def _figures(person):
    return (person.next_due, person.next_due_kind, person.overdue_count, person.last_contact)


def test_the_page_figures_equal_the_per_row_figures_for_every_role():
    call_command("seed_demo", "--persons", "120", verbosity=0)
    call_command("scan_obligations", verbosity=0)
    seen_kinds, seen_overdue, seen_talk, hidden = set(), False, False, False
    for username in USERS:
        user = User.objects.get(username=username)
        persons = person_rows(user).order_by("name", "pk")
        in_sql = {p.pk: _figures(p) for p in person_figures(user, persons)}
        attached = {p.pk: _figures(p) for p in figures_attach(user, list(persons))}
        assert attached == in_sql, username
        for _next_due, kind, overdue, last in in_sql.values():
            seen_kinds.add(kind)
            seen_overdue |= overdue > 0
            seen_talk |= last is not None
        # Some role sees a person but not all of that person's due items or talks.
        hidden |= any(last is None for *_rest, last in in_sql.values())
    # The data exercised what is compared: several kinds, overdue items, talks, and figures
    # a role may not read.
    assert len(seen_kinds - {None}) >= 2 and seen_overdue and seen_talk and hidden


def test_an_empty_page_has_no_figures_and_asks_nothing(django_assert_num_queries):
    user = User.objects.create_user("nobody")
    with django_assert_num_queries(0):
        assert figures_attach(user, []) == []
