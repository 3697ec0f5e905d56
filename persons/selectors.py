"""The person list's rows: searched, with their next due item, overdue count, last talk and risk,
and sorted, in one query on top of the door (`permissions.selectors`).

Each figure on a row counts only what the viewer may read of that person: the due items through
`visible_obligations` (a drug-test date only to readers of drug tests), the last talk through
`visible_talks`, so the list tells no more than the file would.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Case, Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When
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
