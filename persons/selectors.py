"""The person list's rows: searched, with their next due item, overdue count, last talk and risk,
and sorted, in one query on top of the door (`permissions.selectors`).

Each figure on a row counts only what the viewer may read of that person: the due items through
`visible_obligations` (a drug-test date only to readers of drug tests), the last talk through
`visible_talks`, so the list tells no more than the file would.
"""

import re

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from casework.idnumber import normalise
from casework.models import Episode, Obligation, Person
from permissions import selectors

# Typed as a number: 15 characters or more of digits (the last may be X) is an attempt at the
# full number, never a name or the last four digits.
ID_LIKE = re.compile(r"^\d{14,17}[\dX]?$")
LAST_FOUR = re.compile(r"^\d{3}[\dX]$")

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


def looks_like_id_number(text: str) -> bool:
    return bool(ID_LIKE.match(normalise(text)))


def person_rows(user) -> QuerySet[Person]:
    """Return the persons the user may see, with the list's columns as annotations."""
    current = Episode.objects.filter(person=OuterRef("pk")).order_by("-decision_date", "-id")
    open_items = (
        selectors.visible_obligations(user)
        .filter(person=OuterRef("pk"), status__in=Obligation.OPEN_STATUSES)
        .order_by()
    )
    overdue = (
        open_items.filter(status=Obligation.Status.OVERDUE)
        .values("person")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        selectors.visible_persons(user)
        .select_related("region")
        .annotate(
            current_status=Subquery(current.values("status")[:1]),
            current_kind=Subquery(current.values("kind")[:1]),
            next_due=Subquery(open_items.order_by("due_by", "pk").values("due_by")[:1]),
            next_due_kind=Subquery(open_items.order_by("due_by", "pk").values("kind")[:1]),
            overdue_count=Coalesce(Subquery(overdue, output_field=IntegerField()), Value(0)),
            last_contact=Subquery(
                selectors.visible_talks(user)
                .filter(person=OuterRef("pk"))
                .order_by("-held_on", "-pk")
                .values("held_on")[:1]
            ),
            risk_rank=RISK_RANK,
        )
    )


def person_search(persons: QuerySet[Person], q: str = "", id_key: str = "") -> QuerySet[Person]:
    """Narrow the persons by the search box: a full ID number by its keyed hash (`id_key`), the
    last four characters of the number, pinyin initials, or part of the name."""
    if id_key:
        return persons.filter(id_number_key=id_key)
    q = q.strip()
    if not q:
        return persons
    if LAST_FOUR.match(q.upper()):
        return persons.filter(id_number__endswith=q.upper())
    if q.isascii() and q.isalpha():
        q = q.lower()
        # Every reading of the name is stored space-separated (casework.search_keys).
        return persons.filter(Q(name_initials__startswith=q) | Q(name_initials__contains=" " + q))
    return persons.filter(name__contains=q)


def person_sort(persons: QuerySet[Person], sort: str) -> QuerySet[Person]:
    return persons.order_by(*SORTS.get(sort or "name", SORTS["name"]))
