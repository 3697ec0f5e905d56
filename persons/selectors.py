"""The person list's rows: searched, with their next due item, overdue count, last talk and risk,
and sorted, on top of the door (`permissions.selectors`): the figures per row in SQL where a
sort needs them, and for a page of the name sort in two queries over that page's persons.

Each figure on a row counts only what the viewer may read of that person: the due items through
`visible_obligations` (a drug-test date only to readers of drug tests), the last talk through
`visible_talks`, so the list tells no more than the file would.
"""

import json
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import connections
from django.db.models import Case, Count, F, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from casework.forms import ID_ERRORS
from casework.idnumber import InvalidIdNumber, normalise, parse_id_number
from casework.models import Episode, Obligation, Person
from casework.search_keys import id_number_key
from permissions import selectors

# Typed as a number: 15 characters or more of digits (the last may be X) is an attempt at the
# full number, never a name or the last four digits.
RISK_RANK = Case(
    When(risk_level=Person.Risk.HIGH, then=Value(3)),
    When(risk_level=Person.Risk.MEDIUM, then=Value(2)),
    When(risk_level=Person.Risk.LOW, then=Value(1)),
    default=Value(0),
    output_field=IntegerField(),
)

SORTS = {
    "name": ("name", "pk"),
    "next_due": (F("next_due").asc(nulls_last=True), "name", "pk"),
    "overdue": (F("overdue_count").desc(), F("next_due").asc(nulls_last=True), "name", "pk"),
    # Longest without a talk first; never talked to at the very top.
    "last_contact": (F("last_contact").asc(nulls_first=True), "name", "pk"),
    "risk": (F("risk_rank").desc(), "name", "pk"),
}


def person_rows(user) -> QuerySet[Person]:
    """Return the persons the user may see, with their latest episode's status and kind (what
    the search filters on); `person_figures` adds the list's other columns."""
    return _latest_episode(selectors.visible_persons(user).select_related("region"))


def _latest_episode(persons: QuerySet[Person]) -> QuerySet[Person]:
    current = Episode.objects.filter(person=OuterRef("pk")).order_by("-decision_date", "-id")
    return persons.annotate(
        current_status=Subquery(current.values("status")[:1]),
        current_kind=Subquery(current.values("kind")[:1]),
    )


def person_figures(user, persons: QuerySet[Person]) -> QuerySet[Person]:
    """Annotate persons the user may see (from `person_rows`) with the list's figures: next due
    item, overdue count, last talk and risk, each counting only what the user may read of that
    person.

    Only the rows a page shows need them: a count or a page's ids built with them would carry
    a dozen subqueries the statement never evaluates (and Python would still build them)."""
    open_items = (
        selectors.person_obligations_readable(user, OuterRef("pk"))
        .filter(status__in=Obligation.OPEN_STATUSES)
        .order_by()
    )
    overdue = (
        open_items.filter(status=Obligation.Status.OVERDUE)
        .values("person")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return persons.annotate(
        next_due=Subquery(open_items.order_by("due_by", "pk").values("due_by")[:1]),
        next_due_kind=Subquery(open_items.order_by("due_by", "pk").values("kind")[:1]),
        overdue_count=Coalesce(Subquery(overdue, output_field=IntegerField()), Value(0)),
        last_contact=Subquery(
            selectors.person_talks_readable(user, OuterRef("pk"))
            .order_by("-held_on", "-pk")
            .values("held_on")[:1]
        ),
        risk_rank=RISK_RANK,
    )


def figures_attach(user, rows: list[Person]) -> list[Person]:
    """Set the list's figures (next due item and its kind, overdue count, last talk) on a page of
    persons read through the door, from two queries over those persons' rows alone: the values
    `person_figures` computes per row in SQL (a test compares the two), without building its
    correlated subqueries, whose construction in Python cost more than PostgreSQL's work."""
    ids = [p.pk for p in rows]
    next_due: dict[int, tuple[date, str]] = {}
    overdue: dict[int, int] = {}
    if ids:
        # In the order of `person_figures`' next due item, so each person's first row is it.
        for person_id, kind, due_by, status in (
            selectors.page_obligations_readable(user, ids)
            .filter(status__in=Obligation.OPEN_STATUSES)
            .order_by("due_by", "pk")
            .values_list("person_id", "kind", "due_by", "status")
        ):
            if status == Obligation.Status.OVERDUE:
                overdue[person_id] = overdue.get(person_id, 0) + 1
            next_due.setdefault(person_id, (due_by, kind))
        last_contact = dict(
            selectors.page_talks_readable(user, ids)
            .order_by()
            .values("person")
            .annotate(last=Max("held_on"))
            .values_list("person", "last")
        )
    else:
        last_contact = {}
    for person in rows:
        due = next_due.get(person.pk)
        person.next_due, person.next_due_kind = due or (None, None)
        person.overdue_count = overdue.get(person.pk, 0)
        person.last_contact = last_contact.get(person.pk)
    return rows


def person_sort(persons: QuerySet[Person], sort: str) -> QuerySet[Person]:
    return persons.order_by(*SORTS.get(sort or "name", SORTS["name"]))


@dataclass(frozen=True)
class IdNumberCheck:
    """What the registration form says about a typed number, as soon as it is typed."""

    error: str = ""  # the number is not valid: the form's message saying why
    typed: int = 0  # characters typed so far, while fewer than 18
    sex: str = ""  # derived from a valid number
    birth_date: date | None = None
    on_file: bool = False  # a file with this number exists
    person: Person | None = None  # ...and the user may open it


def id_number_check(user, text: str) -> IdNumberCheck:
    """Check a typed number: its form, then whether a file holds it (an equality on the keyed
    hash). A file the user may not open gets the neutral answer the save would give: on file,
    with neither name, place nor link."""
    value = normalise(text)
    if not value:
        return IdNumberCheck()
    if len(value) < 18 and value.isdigit():
        return IdNumberCheck(typed=len(value))
    try:
        parsed = parse_id_number(value)
    except InvalidIdNumber as exc:
        return IdNumberCheck(error=str(ID_ERRORS[str(exc)]))
    holder = (
        Person.objects.filter(id_number_key=id_number_key(parsed.value)).values_list("pk", flat=True).first()
    )
    person = (
        selectors.visible_persons(user).select_related("region").filter(pk=holder).first()
        if holder is not None
        else None
    )
    return IdNumberCheck(
        sex=parsed.sex, birth_date=parsed.birth_date, on_file=holder is not None, person=person
    )


# --- The list's pages and count ----------------------------------------------------------------

# The sort whose order an index serves (casework's person (name, id) index): its pages go by a
# cursor (the last or first row's id) instead of an offset, so a page deep in a county's list costs
# what the first one does. The other sorts order by figures computed per row and keep page numbers.
KEYSET_SORT = "name"


@dataclass(frozen=True)
class PersonPage:
    """One page of the person list: its rows, where the neighbouring pages start, and the count
    (exact, or PostgreSQL's estimate when the scope is larger than an exact count is worth)."""

    object_list: list
    count: int
    count_estimated: bool
    has_previous: bool = False
    has_next: bool = False
    # Keyset pages: the rows the neighbouring pages start after / end before.
    after: int | None = None
    before: int | None = None
    # Numbered pages (the sorts by computed figures).
    number: int | None = None
    num_pages: int | None = None


def person_count(persons: QuerySet[Person]) -> tuple[int, bool]:
    """Return the number of persons and whether it is an estimate.

    Counting a county exactly reads every row of it on each request. Up to
    PERSON_LIST_EXACT_COUNT_MAX the count is exact (a count capped one past it, so it reads no
    more than that); beyond, PostgreSQL's planner estimate of the list's statement (EXPLAIN, no
    row read) is shown as "about N". SQLite, a small installation's database, counts exactly.
    """
    cap = settings.PERSON_LIST_EXACT_COUNT_MAX
    ids = persons.order_by().values("pk")
    if connections[persons.db].vendor != "postgresql":
        return ids.count(), False
    capped = ids[: cap + 1].count()
    if capped <= cap:
        return capped, False
    plan = json.loads(ids.explain(format="json"))
    return max(int(plan[0]["Plan"]["Plan Rows"]), cap + 1), True


def _cursor_filter(user, persons: QuerySet[Person], pk: int, forward: bool) -> QuerySet[Person]:
    # The cursor's name is read inside the same statement, and only from persons the user may
    # see: names stay out of addresses, and an id outside the user's view starts an empty page.
    name = Subquery(selectors.visible_persons(user).filter(pk=pk).values("name")[:1])
    if forward:
        return persons.filter(name__gte=name).filter(Q(name__gt=name) | Q(pk__gt=pk))
    return persons.filter(name__lte=name).filter(Q(name__lt=name) | Q(pk__lt=pk))


def person_keyset_page(
    user, persons: QuerySet[Person], *, after: int | None = None, before: int | None = None, size: int
) -> tuple[list[Person], bool, bool]:
    """Return the page of persons by (name, id) after the row `after` (or before `before`), and
    whether there are rows before and after it (one statement)."""
    if before is not None:
        order = ("-name", "-pk")
        rows = list(_page_rows(user, _cursor_filter(user, persons, before, forward=False), order, size + 1))
        has_previous = len(rows) > size
        return rows[:size][::-1], has_previous, True
    scope = _cursor_filter(user, persons, after, forward=True) if after is not None else persons
    rows = list(_page_rows(user, scope, SORTS[KEYSET_SORT], size + 1))
    return rows[:size], after is not None, len(rows) > size


def _page_rows(user, scope: QuerySet[Person], order, limit: int) -> list[Person]:
    # The page's ids first, in a subquery of the same statement, then the latest episode for
    # those rows only, then their figures (`figures_attach`): asked for in one go, PostgreSQL
    # computed the columns for every person of a county before it sorted and kept the first
    # rows. The ids come from the persons the user may see (`scope` is narrowed from
    # `person_rows`), so the outer rows need not be checked against the door a second time.
    ids = scope.order_by(*order).values("pk")[:limit]
    rows = _latest_episode(Person.objects.select_related("region").filter(pk__in=ids)).order_by(*order)
    return figures_attach(user, list(rows))


def person_numbered_page(
    user, persons: QuerySet[Person], sort: str, number: int, size: int
) -> tuple[list[Person], bool, bool]:
    """Return page `number` of persons in a sort by computed figures, and whether there are pages
    before and after it (one statement)."""
    start = (number - 1) * size
    rows = list(person_sort(person_figures(user, persons), sort)[start : start + size + 1])
    return rows[:size], number > 1, len(rows) > size
