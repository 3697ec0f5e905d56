"""From a figure on the rates page to the persons it counts.

For each figure of `rates.community_figures` (the numerators and denominators of the rates),
`figure_persons` returns the persons behind it, through the same door (`rates.region_persons`),
each with `counted`: how many of the figure's units are theirs. A figure that counts people
gives 1 a person; one that counts cases or tests gives that person's cases or tests, so the
`counted` column always adds up to the figure. The conditions are those of
`community_figures`; `tests/workflows/test_drilldown.py` holds the two together.
"""

from datetime import date

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.utils.translation import gettext_lazy as _

from casework.models import Agreement, DrugTest, Episode, HandOver, Obligation, Person, Talk
from oversight.rates import RATES, region_persons, three_years_clean_persons, under_management

# The figures a list can be drawn for, with what one unit is.
PERSON = _("人")
CASE = _("件")
TIMES = _("次")
UNITS = {
    "report_due": PERSON,
    "report_on_time": PERSON,
    "ordered": PERSON,
    "executed": PERSON,
    "reported": CASE,
    "signed": CASE,
    "tests_due": TIMES,
    "tests_done": TIMES,
    "tested": TIMES,
    "positive": TIMES,
    "managed": PERSON,
    "controlled": PERSON,
    "missing": PERSON,
    "breach": PERSON,
    "relapse": PERSON,
    "helped": PERSON,
    "three_years_clean": PERSON,
}


def figure_label(figure: str) -> str:
    """Name the figure after its rate: "尿检率 · 分子"."""
    for _key, label, numerator, denominator, _definition in RATES:
        if figure == numerator:
            return f"{label} · {_('分子')}"
        if figure == denominator:
            return f"{label} · {_('分母')}"
    if figure == "three_years_clean":
        return str(_("戒断三年未复吸"))
    return figure


def _per_person(queryset) -> Subquery:
    """The number of rows of `queryset` (correlated on OuterRef("pk")) for each person."""
    return Subquery(
        queryset.order_by().values("person").annotate(n=Count("pk")).values("n"), output_field=IntegerField()
    )


def _persons_with(episodes) -> QuerySet[Person]:
    return Person.objects.filter(pk__in=episodes.values("person"))


def figure_persons(user, region, figure: str, start: date, end: date) -> QuerySet[Person]:
    """Return the persons the figure counts, with `counted`; an unknown figure raises KeyError."""
    if figure not in UNITS:
        raise KeyError(figure)
    persons = region_persons(user, region)
    one = Value(1, output_field=IntegerField())
    episodes = Episode.objects.filter(person__in=persons)
    deadline_due = episodes.filter(report_deadline__range=(start, end))
    ordered = episodes.filter(decision_date__lte=end).exclude(closed_on__lt=start)
    reported = episodes.filter(reported_on__lte=end).exclude(closed_on__lt=start)
    managed = under_management(persons, end)
    person = OuterRef("person")

    if figure == "report_due":
        result = _persons_with(deadline_due).annotate(counted=one)
    elif figure == "report_on_time":
        late = deadline_due.filter(Q(reported_on__isnull=True) | Q(reported_on__gt=F("report_deadline")))
        result = _persons_with(deadline_due).exclude(pk__in=late.values("person")).annotate(counted=one)
    elif figure == "ordered":
        result = _persons_with(ordered).annotate(counted=one)
    elif figure == "executed":
        result = _persons_with(ordered.filter(reported_on__isnull=False)).annotate(counted=one)
    elif figure in ("reported", "signed"):
        cases = reported
        if figure == "signed":
            cases = cases.filter(Exists(Agreement.objects.filter(episode=OuterRef("pk"))))
        result = _persons_with(cases).annotate(counted=_per_person(cases.filter(person=OuterRef("pk"))))
    elif figure in ("tests_due", "tests_done"):
        items = Obligation.objects.filter(
            person__in=persons, kind="drug_test", due_by__range=(start, end)
        ).exclude(status=Obligation.Status.EXCUSED)
        if figure == "tests_done":
            items = items.filter(status=Obligation.Status.DONE)
        result = Person.objects.filter(pk__in=items.values("person")).annotate(
            counted=_per_person(items.filter(person=OuterRef("pk")))
        )
    elif figure in ("tested", "positive"):
        results = (
            [DrugTest.Result.POSITIVE]
            if figure == "positive"
            else [DrugTest.Result.NEGATIVE, DrugTest.Result.POSITIVE]
        )
        tests = DrugTest.objects.filter(person__in=persons, tested_on__range=(start, end), result__in=results)
        result = Person.objects.filter(pk__in=tests.values("person")).annotate(
            counted=_per_person(tests.filter(person=OuterRef("pk")))
        )
    elif figure == "managed":
        result = _persons_with(managed).annotate(counted=one)
    elif figure == "missing":
        result = _persons_with(managed.filter(status=Episode.Status.MISSING)).annotate(counted=one)
    elif figure == "controlled":
        missing = managed.filter(status=Episode.Status.MISSING)
        result = _persons_with(managed).exclude(pk__in=missing.values("person")).annotate(counted=one)
    elif figure == "breach":
        handed_over = HandOver.objects.filter(
            episode__person=person, reason=HandOver.Reason.SERIOUS_BREACH, prepared_on__range=(start, end)
        )
        result = _persons_with(managed.filter(Exists(handed_over))).annotate(counted=one)
    elif figure == "relapse":
        positive = DrugTest.objects.filter(
            person=person, result=DrugTest.Result.POSITIVE, tested_on__range=(start, end)
        )
        result = _persons_with(managed.filter(Exists(positive))).annotate(counted=one)
    elif figure == "helped":
        talked = Talk.objects.filter(person=person, held_on__range=(start, end))
        result = _persons_with(managed.filter(Exists(talked))).annotate(counted=one)
    else:  # three_years_clean
        result = three_years_clean_persons(persons, end).annotate(counted=one)
    return result.select_related("region")
