"""Reads inside the domain that involve no user: region settings and trees, and the facts the
law counts on (the serious-breach counter, 戒断三年未复吸).

Reads of persons for a user go through `permissions.selectors`, never here.
"""

import re
from datetime import date, timedelta

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from casework import deadlines
from casework.deadlines import DEADLINE_KINDS, DEFAULT_MAX_EXTENSION_DAYS
from casework.models import Agency, Breach, CaseEvent, DrugTest, Episode, HandOver, Person, Region


def region_setting(region: Region, field: str, default):
    """Return the nearest value of a local setting at or above `region` (one query)."""
    chain = Region.objects.filter(path__in=Region.paths_above(region.path))
    for value in chain.order_by("-depth").values_list(field, flat=True):
        if value is not None:
            return value
    return default


def report_deadline_days(region: Region) -> int:
    """Return the reporting-in period for a township (戒毒条例 arts 14, 38: 15 days unless local rules say less)."""
    return deadline_rule(region, "report_in")[0]


def deadline_rule(region: Region, kind: str) -> tuple[int, str]:
    """Return (days, day count) of a deadline kind at `region`: the nearest setting of each, else
    the kind's default (one query). 重庆 counts working days (rules.md §1.10, §1.12)."""
    spec = DEADLINE_KINDS[kind]
    fields = [f for f in (spec.days_field, spec.count_field) if f]
    days, count = None, None
    if fields:
        chain = Region.objects.filter(path__in=Region.paths_above(region.path)).order_by("-depth")
        for row in chain.values(*fields):
            if days is None and spec.days_field:
                days = row[spec.days_field]
            if not count and spec.count_field:
                count = row[spec.count_field]
    return (spec.days if days is None else days), (count or spec.count)


def settings_by_township(defaults: dict[str, object]) -> dict[int, dict[str, object]]:
    """Return {township id: {field: value}} for every township (one query): for each field the
    nearest value at or above the township along its path, else `defaults[field]` — the same
    inheritance as `region_setting`, resolved in memory for all townships at once."""
    fields = list(defaults)
    rows = Region.objects.exclude(level=Region.Level.COMMUNITY).values("pk", "path", "level", *fields)
    by_path = {row["path"]: row for row in rows}
    result = {}
    for row in by_path.values():
        if row["level"] != Region.Level.TOWNSHIP:
            continue
        values = {}
        for field in fields:
            for above in reversed(Region.paths_above(row["path"])):  # the township first
                value = by_path.get(above, {}).get(field)
                if value is not None and value != "":
                    values[field] = value
                    break
            else:
                values[field] = defaults[field]
        result[row["pk"]] = values
    return result


def deadline_rules_by_township(kind: str) -> dict[int, tuple[int, str]]:
    """Return {township id: (days, day count)} of a deadline kind for every township (one query),
    with the same inheritance as `deadline_rule`."""
    spec = DEADLINE_KINDS[kind]
    defaults = {}
    if spec.days_field:
        defaults[spec.days_field] = spec.days
    if spec.count_field:
        defaults[spec.count_field] = spec.count
    if not defaults:
        return dict.fromkeys(
            Region.objects.filter(level=Region.Level.TOWNSHIP).values_list("pk", flat=True),
            (spec.days, spec.count),
        )
    return {
        pk: (values.get(spec.days_field, spec.days), values.get(spec.count_field, spec.count))
        for pk, values in settings_by_township(defaults).items()
    }


def communities_under(region: Region):
    return _communities_below(region.path)


def _communities_below(path: str):
    return Region.objects.filter(level=Region.Level.COMMUNITY, path__startswith=path).order_by("path")


def search_communities(agency: Agency):
    """The communities a person search may name: the county's for a police station (it holds
    persons by residence and by household registration), else those under the agency's region.
    The county is the root of the region's path (no query); a choice needs its name and path."""
    path = agency.region.path
    if agency.kind == Agency.Kind.POLICE:
        path = path[: Region.steplen]
    return _communities_below(path).only("name", "path")


def with_current_episode(persons: QuerySet[Person]) -> QuerySet[Person]:
    """Annotate each person with the status, kind and reporting deadline of the latest episode."""
    current = Episode.objects.filter(person=OuterRef("pk")).order_by("-decision_date", "-id")
    return persons.annotate(
        current_status=Subquery(current.values("status")[:1]),
        current_kind=Subquery(current.values("kind")[:1]),
        current_deadline=Subquery(current.values("report_deadline")[:1]),
    )


LAST_FOUR = re.compile(r"^\d{3}[\dX]$")


def persons_search(
    persons: QuerySet[Person],
    *,
    q: str = "",
    id_key: str = "",
    status: str = "",
    kind: str = "",
    region: Region | None = None,
) -> QuerySet[Person]:
    """Filter persons (annotated with their latest episode's status and kind) as the person
    search asks: a full ID number by its keyed hash (`id_key`, `casework.search_keys`), the last
    four characters of the number, pinyin initials, or part of the name; the latest episode's
    status and kind; a community."""
    q = q.strip()
    if id_key:
        persons = persons.filter(id_number_key=id_key)
    elif LAST_FOUR.match(q.upper()):
        persons = persons.filter(id_number__endswith=q.upper())
    elif q and q.isascii() and q.isalpha():
        # Every reading of the name is stored space-separated (casework.search_keys).
        q = q.lower()
        persons = persons.filter(Q(name_initials__startswith=q) | Q(name_initials__contains=" " + q))
    elif q:
        persons = persons.filter(name__contains=q)
    if status:
        persons = persons.filter(current_status=status)
    if kind:
        persons = persons.filter(current_kind=kind)
    if region:
        persons = persons.filter(region__path__startswith=region.path)
    return persons


def extension_latest(region: Region, today: date | None = None) -> date:
    """Return the latest date a deadline may be extended to in `region`, from today (one query)."""
    days = region_setting(region, "max_extension_days", DEFAULT_MAX_EXTENSION_DAYS)
    return (today or timezone.localdate()) + timedelta(days=days)


def extension_too_far(region: Region, value: date | None) -> str | None:
    """Return the message refusing `value` as an extended deadline, or None if it is within the bound."""
    latest = extension_latest(region)
    if value is None or value <= latest:
        return None
    return _("延长后的日期最晚为 %(date)s（本地设置：自今天起最多 %(days)d 天）。") % {
        "date": date_format(latest),
        "days": (latest - timezone.localdate()).days,
    }


# --- the serious-breach counter and 戒断三年未复吸 ------------------------------------------------


def serious_breach_counts() -> QuerySet:
    """Breach rows grouped by episode, kept where the counter crosses 戒毒条例 art 20.

    Filter it on `episode=OuterRef(...)` inside Exists: the confirmed breaches are the fact, not
    whether a hand-over package was ever prepared for them.
    """
    exits = Q(kind=Breach.Kind.UNAUTHORISED_EXIT)
    return (
        Breach.objects.order_by()
        .values("episode")
        .annotate(
            n_tests=Count("pk", filter=Q(kind__in=Breach.TEST_KINDS)),
            n_exits=Count("pk", filter=exits),
            n_exit_days=Coalesce(Sum("days", filter=exits), Value(0)),
        )
        .filter(
            Q(n_tests__gte=deadlines.SERIOUS_TESTS)
            | Q(n_exits__gte=deadlines.SERIOUS_EXITS)
            | Q(n_exit_days__gt=deadlines.SERIOUS_EXIT_DAYS)
        )
    )


def _boolean(condition) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def episodes_with_follow_up_facts(episodes: QuerySet[Episode]) -> QuerySet[Episode]:
    """Annotate what decides 戒断三年未复吸, as subqueries of the same statement:

    - `refused`: the report deadline lapsed without a legitimate reason (the refusal check found
      none, or a refusal hand-over was made; 戒毒条例 arts 14, 38; 禁毒法 art 38(1));
    - `seriously_breached`: the confirmed breaches crossed the counter of 戒毒条例 art 20;
    - `used_during_term`: drug use during the term (a positive test, a confirmed relapse, or a
      relapse handed to the police; 禁毒法 art 35, rules.md §1.12).
    """
    episode = OuterRef("pk")
    return episodes.annotate(
        refused=_boolean(
            Exists(HandOver.objects.filter(episode=episode, reason=HandOver.Reason.REFUSAL))
            | Exists(CaseEvent.objects.filter(episode=episode, kind="refusal_confirmed"))
        ),
        seriously_breached=Exists(serious_breach_counts().filter(episode=episode)),
        used_during_term=_boolean(
            Exists(DrugTest.objects.filter(episode=episode, result=DrugTest.Result.POSITIVE))
            | Exists(Breach.objects.filter(episode=episode, kind=Breach.Kind.RELAPSE))
            | Exists(HandOver.objects.filter(episode=episode, reason=HandOver.Reason.RELAPSE))
        ),
    )


def last_episodes(episodes: QuerySet[Episode]) -> QuerySet[Episode]:
    """Keep each person's last episode (the latest decision; the higher id on the same day)."""
    later = Episode.objects.filter(person=OuterRef("person")).filter(
        Q(decision_date__gt=OuterRef("decision_date"))
        | Q(decision_date=OuterRef("decision_date"), pk__gt=OuterRef("pk"))
    )
    return episodes.exclude(Exists(later))


FOLLOWING, THREE_YEARS_CLEAN, EXCLUDED, RELAPSED = "following", "three_years_clean", "excluded", "relapsed"


def three_years_clean_q(day: date) -> Q:
    """The one definition of 戒断三年未复吸 at `day`, on episodes annotated by
    `episodes_with_follow_up_facts`: completed, 3 years since the start of execution, no drug use
    during the term nor after it, neither refused nor seriously breached (戒毒条例 art 7 para 2;
    上海市禁毒条例 art 29, 山东省禁毒条例 art 36; rules.md §1.12). `follow_up_state` says the same
    of one episode."""
    return Q(
        status=Episode.Status.COMPLETED,
        start_date__lte=deadlines.three_years_cutoff(day),
        relapsed_on__isnull=True,
        refused=False,
        seriously_breached=False,
        used_during_term=False,
    )


def follow_up_state(episode: Episode, day: date) -> str:
    """Return FOLLOWING, THREE_YEARS_CLEAN, EXCLUDED or RELAPSED for an episode at `day`.

    EXCLUDED: the episode did not complete, or the person refused or seriously breached (their
    exit from dynamic control follows other rules). RELAPSED: drug use during the term or a
    relapse after it. The facts come from `episodes_with_follow_up_facts` (one query when the
    episode was not loaded with them).
    """
    if not hasattr(episode, "seriously_breached"):
        episode = episodes_with_follow_up_facts(Episode.objects.filter(pk=episode.pk)).get()
    if episode.status != Episode.Status.COMPLETED or episode.refused or episode.seriously_breached:
        return EXCLUDED
    if episode.relapsed_on is not None or episode.used_during_term:
        return RELAPSED
    if deadlines.three_years_on(episode.start_date) <= day:
        return THREE_YEARS_CLEAN
    return FOLLOWING
