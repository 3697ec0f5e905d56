"""The rates supervisors report (rules.md §5, working definitions), per community and summed.

Each rate is one aggregate query over the persons in the user's view under a region,
so the page costs the same number of queries for 60 persons or 100,000. The page and
the export read the same `rates_for` result. Definitions are derived (no national
formula exists) and shown beside the numbers; the customer's 禁毒办 may redefine them.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import deadlines
from casework import selectors as casework_selectors
from casework.deadlines import add_months
from casework.models import (
    Agreement,
    DrugTest,
    Episode,
    HandOver,
    Obligation,
    Person,
    Region,
    RegionFigures,
    Talk,
)
from oversight.audit import TIMELINESS_FIGURES, staff_figures_refresh, timeliness_by_community
from permissions import selectors

CLOSED = list(Episode.CLOSED_STATUSES)


@dataclass
class Rate:
    key: str
    label: str
    numerator: int
    denominator: int
    definition: str

    @property
    def value(self) -> float | None:
        return round(100 * self.numerator / self.denominator, 1) if self.denominator else None


@dataclass
class RateSheet:
    region: Region
    start: date
    end: date
    rates: list[Rate] = field(default_factory=list)
    three_years_clean: int = 0
    computed_at: datetime | None = None  # set when read from the nightly figures
    figures: dict[str, int] = field(default_factory=dict)  # the summed counts behind the rates

    @property
    def timeliness(self) -> dict[str, int]:
        """The deadlines and duties that fell due in the period: due, on_time, late, open."""
        return {key: self.figures.get(figure, 0) for key, figure in TIMELINESS_FIGURES.items()}

    def by_key(self) -> dict[str, Rate]:
        return {r.key: r for r in self.rates}


def region_persons(user, region: Region):
    """The persons under `region` the user may see (a values("pk") query): what the rates count."""
    return selectors.visible_persons(user).filter(region__path__startswith=region.path).values("pk")


def under_management(persons, end: date):
    """Episodes open at the end of the period (decided on or before it, not closed by then)."""
    return (
        Episode.objects.filter(person__in=persons, decision_date__lte=end)
        .exclude(status__in=CLOSED, closed_on__lte=end)
        .exclude(status=Episode.Status.DECIDED)
    )


# Each rate: key, label, numerator key, denominator key, definition. rules.md §5 counts people for
# 报到率, 执行率, 管控率, 失控率, 复吸率 and the rates "÷ people under management": a person with two
# episodes in the period (社区戒毒 ended, 社区康复 began) is one person. 协议签订率 counts cases (one
# agreement per order), 尿检率 and 阳性率 count tests, 及时率 counts deadlines and duties. The
# figures add up over communities: a person belongs to one community (`Person.region`).
RATES = (
    (
        "report",
        _("报到率"),
        "report_on_time",
        "report_due",
        _(
            "报到期限在本期内、且本期内每一次都按期报到的人数 ÷ 报到期限在本期内的人数（按人计，"
            "《戒毒条例》第十四条、第三十八条）"
        ),
    ),
    (
        "execution",
        _("执行率"),
        "executed",
        "ordered",
        _(
            "已报到执行（含期满）的人数 ÷ 本期内责令社区戒毒、社区康复的人数（按人计：同一人本期内"
            "既有社区戒毒又有社区康复的，计一人）"
        ),
    ),
    (
        "agreement",
        _("协议签订率"),
        "signed",
        "reported",
        _("已签订协议的案件数 ÷ 已报到的案件数（按案件计，一份决定书为一件，《戒毒条例》第十六条）"),
    ),
    (
        "testing",
        _("尿检率"),
        "tests_done",
        "tests_due",
        _("应检测次数中已完成的次数 ÷ 本期内按频次规则应检测的次数（按次计，免除的不计）"),
    ),
    ("positive", _("阳性率"), "positive", "tested", _("阳性检测次数 ÷ 本期内完成的检测次数（按次计）")),
    (
        "control",
        _("管控率"),
        "controlled",
        "managed",
        _("期末在管人员中去向明确（非失控）的人数 ÷ 期末在管人数（按人计）"),
    ),
    ("lost", _("失控率"), "missing", "managed", _("期末失控（脱失）的人数 ÷ 期末在管人数（按人计）")),
    (
        "breach",
        _("严重违反率"),
        "breach",
        "managed",
        _("本期内因严重违反协议移交公安的人数 ÷ 期末在管人数（按人计，《戒毒条例》第二十条）"),
    ),
    (
        "relapse",
        _("复吸率"),
        "relapse",
        "managed",
        _("期末在管人员中本期内检测阳性的人数 ÷ 期末在管人数（按人计）"),
    ),
    (
        "help",
        _("帮教率"),
        "helped",
        "managed",
        _("期末在管人员中本期内至少有一次谈话或走访的人数 ÷ 期末在管人数（按人计）"),
    ),
    (
        "timeliness",
        _("及时率"),
        "due_on_time",
        "due",
        _(
            "按期完成的事项数 ÷ 本期内到期的事项数（按事项计：报到及检测、谈话、走访、移交公安、外出销假、"
            "变更执行地后报到、期满前移送材料、解除通知；免除的不计，逾期完成和尚未完成的均不计入分子）"
        ),
    ),
)
FIGURES = (
    "report_due",
    "report_on_time",
    "ordered",
    "executed",
    "reported",
    "signed",
    "tests_due",
    "tests_done",
    "tested",
    "positive",
    "managed",
    "controlled",
    "missing",
    "breach",
    "relapse",
    "helped",
    "three_years_clean",
    "new",
    "due",
    "due_on_time",
    "due_late",
    "due_open",
)
REGION = "person__region"


def community_figures(
    persons, start: date, end: date, as_of: date | None = None
) -> dict[int, dict[str, int]]:
    """Return {community id: {figure: count}} for the persons of `persons` (a values("pk") query).

    One grouped query per table, whatever the number of persons or communities. Figures about
    people count distinct persons (a person's episodes are all in their community's group).
    """
    as_of = as_of or timezone.localdate()
    out: dict[int, dict[str, int]] = {}

    def put(rows, key=REGION, **names):
        for row in rows:
            figures = out.setdefault(row[key], dict.fromkeys(FIGURES, 0))
            for figure, column in names.items():
                figures[figure] += row[column]

    people = Count("person", distinct=True)

    def people_where(condition):
        return Count("person", distinct=True, filter=condition)

    episodes = Episode.objects.filter(person__in=persons).values(REGION)
    # A person is on time when every deadline of theirs in the period was met.
    put(
        episodes.filter(report_deadline__range=(start, end))
        .annotate(
            n=people,
            late=people_where(Q(reported_on__isnull=True) | Q(reported_on__gt=F("report_deadline"))),
        )
        .annotate(on_time=F("n") - F("late")),
        report_due="n",
        report_on_time="on_time",
    )
    put(
        episodes.filter(decision_date__lte=end)
        .exclude(closed_on__lt=start)
        .annotate(n=people, done=people_where(Q(reported_on__isnull=False))),
        ordered="n",
        executed="done",
    )
    put(
        episodes.filter(reported_on__lte=end)
        .exclude(closed_on__lt=start)
        .annotate(
            n=Count("pk"),
            signed=Count("pk", filter=Q(Exists(Agreement.objects.filter(episode=OuterRef("pk"))))),
        ),
        reported="n",
        signed="signed",
    )
    put(
        Obligation.objects.filter(person__in=persons, kind="drug_test", due_by__range=(start, end))
        .exclude(status=Obligation.Status.EXCUSED)
        .values(REGION)
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(status=Obligation.Status.DONE))),
        tests_due="n",
        tests_done="done",
    )
    put(
        DrugTest.objects.filter(
            person__in=persons,
            tested_on__range=(start, end),
            result__in=[DrugTest.Result.NEGATIVE, DrugTest.Result.POSITIVE],
        )
        .values(REGION)
        .annotate(n=Count("pk"), positive=Count("pk", filter=Q(result=DrugTest.Result.POSITIVE))),
        tested="n",
        positive="positive",
    )
    # The facts of the period are the person's, whichever of their episodes they were recorded on.
    person = OuterRef("person")
    put(
        under_management(persons, end)
        .values(REGION)
        .annotate(
            n=people,
            missing=people_where(Q(status=Episode.Status.MISSING)),
            breach=people_where(
                Q(
                    Exists(
                        HandOver.objects.filter(
                            episode__person=person,
                            reason=HandOver.Reason.SERIOUS_BREACH,
                            prepared_on__range=(start, end),
                        )
                    )
                )
            ),
            relapse=people_where(
                Q(
                    Exists(
                        DrugTest.objects.filter(
                            person=person, result=DrugTest.Result.POSITIVE, tested_on__range=(start, end)
                        )
                    )
                )
            ),
            helped=people_where(Q(Exists(Talk.objects.filter(person=person, held_on__range=(start, end))))),
        )
        .annotate(controlled=F("n") - F("missing")),
        managed="n",
        controlled="controlled",
        missing="missing",
        breach="breach",
        relapse="relapse",
        helped="helped",
    )
    put(
        episodes.filter(decision_date__range=(date(end.year, 1, 1), end)).annotate(n=people),
        new="n",
    )
    put(
        three_years_clean_persons(persons, end).values("region").annotate(n=Count("pk")),
        key="region",
        three_years_clean="n",
    )
    for community_id, figures in timeliness_by_community(persons, start, end, as_of).items():
        row = out.setdefault(community_id, dict.fromkeys(FIGURES, 0))
        for figure, value in figures.items():
            row[figure] += value
    return out


def sheet_from(region: Region, start: date, end: date, per_community) -> RateSheet:
    """Sum the communities' figures into the region's sheet."""
    totals = dict.fromkeys(FIGURES, 0)
    for figures in per_community:
        for key in FIGURES:
            totals[key] += figures.get(key, 0)
    sheet = RateSheet(
        region=region, start=start, end=end, three_years_clean=totals["three_years_clean"], figures=totals
    )
    sheet.rates = [
        Rate(key, label, totals[numerator], totals[denominator], definition)
        for key, label, numerator, denominator, definition in RATES
    ]
    return sheet


def rates_for(user, region: Region, start: date, end: date, *, live: bool = False) -> RateSheet:
    """The rates of `region` for the period, as the user may see them.

    A supervisor sees every person under their region, so for a supervisor asking about a
    region inside their own the sheet is that region's nightly figures when they exist for
    exactly this period (one row); otherwise, or with `live`, the same figures are computed
    from the records now.
    """
    if not live:
        stored = stored_figures(user, region, [(start, end)]).get((start, end))
        if stored is not None:
            return _stored_sheet(region, start, end, stored)
    return sheet_from(
        region, start, end, community_figures(region_persons(user, region), start, end).values()
    )


def three_years_clean_persons(persons, end: date):
    """Persons whose last episode is 戒断三年未复吸 at `end` (`casework.selectors.three_years_clean_q`,
    the one definition: 上海市禁毒条例 art 29, 山东省禁毒条例 art 36; rules.md §1.12)."""
    clean = casework_selectors.episodes_with_follow_up_facts(
        casework_selectors.last_episodes(Episode.objects.filter(person=OuterRef("pk")))
    ).filter(casework_selectors.three_years_clean_q(end))
    return Person.objects.filter(pk__in=persons).filter(Exists(clean))


# --- the nightly figures ---------------------------------------------------


def standard_periods(today: date) -> list[tuple[date, date]]:
    """The periods stored each night: the year to date (the pages' default), and the last 12
    calendar months (the charts; the current month to date is the last of them)."""
    this_month = today.replace(day=1)
    periods = [(date(today.year, 1, 1), today), (this_month, today)]
    for back in range(1, 12):
        first = add_months(this_month, -back)
        periods.append((first, _month_end(first)))
    return periods


def _month_end(first: date) -> date:
    return add_months(first, 1) - timedelta(days=1)


def figures_refresh(today: date) -> int:
    """Recompute and store every region's figures for the standard periods; return rows written.

    Run each night after the scan. One grouped pass over all persons computes every period's
    figures per community (`period_figures`); each community's figures are then added to every
    region above it. All rows are replaced in one transaction. The same rows come from running
    `figures_refresh_county` for every county and then `figures_refresh_above_counties`, the
    split the Celery group runs in parallel.
    """
    regions = _regions()
    figures = period_figures(Person.objects.values("pk"), standard_periods(today), today)
    with transaction.atomic():
        RegionFigures.objects.all().delete()
        written = _store(regions, [pk for pk, _path, _level in regions], figures, today)
    return written + staff_figures_refresh(today)


def figures_refresh_county(county: Region, today: date) -> int:
    """Recompute and store the figures of one county: its communities and townships from its
    persons, and the county row as their sum; and its workers' figures. Return rows written."""
    regions = _regions()
    mine = [pk for pk, path, _level in regions if path.startswith(county.path)]
    persons = Person.objects.filter(region__path__startswith=county.path).values("pk")
    figures = period_figures(persons, standard_periods(today), today)
    with transaction.atomic():
        RegionFigures.objects.filter(region_id__in=mine).delete()
        written = _store(regions, mine, figures, today)
    return written + staff_figures_refresh(today, county=county)


def figures_refresh_above_counties(today: date) -> int:
    """After every county's part: the rows of the regions outside the counties (those above
    them and any community outside every county), each the sum of the county rows and outside
    communities under it. Return rows written."""
    regions = _regions()
    county_paths = {path for _pk, path, level in regions if level == Region.Level.COUNTY}
    outside = [
        (pk, path, level)
        for pk, path, level in regions
        if not county_paths.intersection(Region.paths_above(path))
    ]
    outside_ids = [pk for pk, _path, _level in outside]
    outside_communities = [pk for pk, _path, level in outside if level == Region.Level.COMMUNITY]
    periods = standard_periods(today)
    figures: dict = {period: {} for period in periods}
    if outside_communities:
        figures = period_figures(
            Person.objects.filter(region_id__in=outside_communities).values("pk"), periods, today
        )
    # A county's row stands for its communities: summed upward like one (it has no county above).
    id_of = {path: pk for pk, path, _level in regions}
    above_counties = {pk for pk, path, _level in outside if any(p.startswith(path) for p in county_paths)}
    with transaction.atomic():
        if above_counties:
            rows = RegionFigures.objects.filter(region__level=Region.Level.COUNTY).values_list(
                "region__path", "start", "end", "data"
            )
            for path, start, end, data in rows:
                if (start, end) in figures:
                    row = figures[(start, end)].setdefault(id_of[path], dict.fromkeys(FIGURES, 0))
                    for key, value in data.items():
                        row[key] = row.get(key, 0) + value
        RegionFigures.objects.filter(region_id__in=outside_ids).delete()
        written = _store(regions, outside_ids, figures, today, counties_as_communities=True)
    return written + staff_figures_refresh(today, communities=outside_communities)


def _regions() -> list[tuple[int, str, str]]:
    return list(Region.objects.values_list("pk", "path", "level"))


def _store(regions, targets, figures, today: date, counties_as_communities: bool = False) -> int:
    """Write one row per region of `targets` and standard period: the sum of the `figures`
    ({period: {region id: figures}}) of the communities (or counties, read from their stored
    rows) at or under it. Inside the caller's transaction; return rows written."""
    id_of = {path: pk for pk, path, _level in regions}
    ancestors = {
        pk: [id_of[above] for above in Region.paths_above(path)[:-1] if above in id_of]
        for pk, path, level in regions
        if level == Region.Level.COMMUNITY or (counties_as_communities and level == Region.Level.COUNTY)
    }
    now = timezone.now()
    rows = []
    for start, end in dict.fromkeys(standard_periods(today)):
        totals = {pk: dict.fromkeys(FIGURES, 0) for pk in targets}
        for source_id, values in figures[(start, end)].items():
            for region_id in (source_id, *ancestors.get(source_id, ())):
                row = totals.get(region_id)
                if row is None:
                    continue
                for key, value in values.items():
                    row[key] += value
        rows += [
            RegionFigures(region_id=pk, start=start, end=end, computed_at=now, data=data)
            for pk, data in totals.items()
        ]
    RegionFigures.objects.bulk_create(rows, batch_size=2000)
    written = len(rows)
    return written


# --- every standard period in one pass ------------------------------------------------------------


def _unless_closed_before(start: date) -> Q:
    return ~Q(closed_on__lt=start)


def _managed_at(end: date, to_episode: str = "") -> Q:
    """`under_management` as a condition on episodes (reached through `to_episode`)."""
    return (
        Q(**{f"{to_episode}decision_date__lte": end})
        & ~Q(**{f"{to_episode}status__in": CLOSED, f"{to_episode}closed_on__lte": end})
        & ~Q(**{f"{to_episode}status": Episode.Status.DECIDED})
    )


def period_figures(
    persons, periods: list[tuple[date, date]], as_of: date
) -> dict[tuple[date, date], dict[int, dict[str, int]]]:
    """{period: {community id: {figure: count}}}: `community_figures` for every period at once.

    One grouped read per source table (episodes, obligations, drug tests, persons), each period
    a filtered count (COUNT ... FILTER, or CASE on databases without FILTER) of the same
    definitions, so the cost is one pass over the tables, not one per period. The cheap
    conditions come first in each filter: an EXISTS is only evaluated for the rows they let
    through.
    """
    # On 1 January and the days after, the year to date is the month to date: one period.
    periods = list(dict.fromkeys(periods))
    out: dict = {period: {} for period in periods}

    def put(period, community_id, values: dict[str, int]):
        row = out[period].setdefault(community_id, dict.fromkeys(FIGURES, 0))
        for figure, value in values.items():
            row[figure] += value

    def people_where(condition):
        return Count("person", distinct=True, filter=condition)

    def rows_where(condition):
        return Count("pk", filter=condition)

    has_agreement = Exists(Agreement.objects.filter(episode=OuterRef("pk")))
    reported_late = Q(reported_on__isnull=True) | Q(reported_on__gt=F("report_deadline"))
    episode_columns: dict[str, object] = {}
    obligation_columns: dict[str, object] = {}
    test_columns: dict[str, object] = {}
    fact_columns: dict[str, dict[str, object]] = {"helped": {}, "relapse": {}, "breach": {}}
    for i, (start, end) in enumerate(periods):
        last = min(end, as_of)
        report_due = Q(report_deadline__range=(start, end))
        ordered = Q(decision_date__lte=end) & _unless_closed_before(start)
        reported = Q(reported_on__lte=end) & _unless_closed_before(start)
        managed = _managed_at(end)
        report_fallen_due = Q(report_deadline__range=(start, last))
        episode_columns |= {
            f"report_due_{i}": people_where(report_due),
            f"report_late_{i}": people_where(report_due & reported_late),
            f"ordered_{i}": people_where(ordered),
            f"executed_{i}": people_where(ordered & Q(reported_on__isnull=False)),
            f"reported_{i}": rows_where(reported),
            f"signed_{i}": rows_where(reported & Q(has_agreement)),
            f"managed_{i}": people_where(managed),
            f"missing_{i}": people_where(managed & Q(status=Episode.Status.MISSING)),
            f"new_{i}": people_where(Q(decision_date__range=(date(end.year, 1, 1), end))),
            f"in_due_{i}": rows_where(report_fallen_due),
            f"in_on_time_{i}": rows_where(
                report_fallen_due & Q(reported_on__isnull=False, reported_on__lte=F("report_deadline"))
            ),
            f"in_late_{i}": rows_where(
                report_fallen_due & Q(reported_on__isnull=False, reported_on__gt=F("report_deadline"))
            ),
            f"in_open_{i}": rows_where(report_fallen_due & Q(reported_on__isnull=True)),
        }
        tests_due = Q(kind="drug_test", due_by__range=(start, end))
        fallen_due = Q(due_by__range=(start, last))
        obligation_columns |= {
            f"tests_due_{i}": rows_where(tests_due),
            f"tests_done_{i}": rows_where(tests_due & Q(status=Obligation.Status.DONE)),
            f"due_{i}": rows_where(fallen_due),
            f"on_time_{i}": rows_where(fallen_due & Q(done_on__isnull=False, done_on__lte=F("due_by"))),
            f"late_{i}": rows_where(fallen_due & Q(done_on__isnull=False, done_on__gt=F("due_by"))),
            f"open_{i}": rows_where(fallen_due & Q(done_on__isnull=True)),
        }
        # A fact of the period (a talk, a positive test, a serious breach) counts its person when
        # one of the person's episodes is under management at the end: the fact's row joined to
        # the person's episodes, instead of an EXISTS per episode and period.
        fact_columns["helped"][f"helped_{i}"] = Count(
            "person",
            distinct=True,
            filter=Q(held_on__range=(start, end)) & _managed_at(end, "person__episodes__"),
        )
        fact_columns["relapse"][f"relapse_{i}"] = Count(
            "person",
            distinct=True,
            filter=Q(tested_on__range=(start, end)) & _managed_at(end, "person__episodes__"),
        )
        fact_columns["breach"][f"breach_{i}"] = Count(
            "episode__person",
            distinct=True,
            filter=Q(prepared_on__range=(start, end)) & _managed_at(end, "episode__person__episodes__"),
        )
        in_period = Q(tested_on__range=(start, end))
        test_columns |= {
            f"tested_{i}": rows_where(in_period),
            f"positive_{i}": rows_where(in_period & Q(result=DrugTest.Result.POSITIVE)),
        }
    first = min(start for start, _end in periods)
    final = max(end for _start, end in periods)
    for row in (
        Episode.objects.filter(person__in=persons).values(REGION).annotate(**episode_columns).order_by()
    ):
        for i, period in enumerate(periods):
            put(
                period,
                row[REGION],
                {
                    "report_due": row[f"report_due_{i}"],
                    "report_on_time": row[f"report_due_{i}"] - row[f"report_late_{i}"],
                    "ordered": row[f"ordered_{i}"],
                    "executed": row[f"executed_{i}"],
                    "reported": row[f"reported_{i}"],
                    "signed": row[f"signed_{i}"],
                    "managed": row[f"managed_{i}"],
                    "controlled": row[f"managed_{i}"] - row[f"missing_{i}"],
                    "missing": row[f"missing_{i}"],
                    "new": row[f"new_{i}"],
                    "due": row[f"in_due_{i}"],
                    "due_on_time": row[f"in_on_time_{i}"],
                    "due_late": row[f"in_late_{i}"],
                    "due_open": row[f"in_open_{i}"],
                },
            )
    obligations = (
        Obligation.objects.filter(person__in=persons, due_by__range=(first, final))
        .exclude(status=Obligation.Status.EXCUSED)
        .values(REGION)
        .annotate(**obligation_columns)
        .order_by()
    )
    for row in obligations:
        for i, period in enumerate(periods):
            put(
                period,
                row[REGION],
                {
                    "tests_due": row[f"tests_due_{i}"],
                    "tests_done": row[f"tests_done_{i}"],
                    "due": row[f"due_{i}"],
                    "due_on_time": row[f"on_time_{i}"],
                    "due_late": row[f"late_{i}"],
                    "due_open": row[f"open_{i}"],
                },
            )
    tests = (
        DrugTest.objects.filter(
            person__in=persons,
            tested_on__range=(first, final),
            result__in=[DrugTest.Result.NEGATIVE, DrugTest.Result.POSITIVE],
        )
        .values(REGION)
        .annotate(**test_columns)
        .order_by()
    )
    for row in tests:
        for i, period in enumerate(periods):
            put(period, row[REGION], {"tested": row[f"tested_{i}"], "positive": row[f"positive_{i}"]})
    facts = {
        "helped": Talk.objects.filter(
            person__in=persons, held_on__range=(first, final), person__episodes__decision_date__lte=final
        ).values(REGION),
        "relapse": DrugTest.objects.filter(
            person__in=persons,
            result=DrugTest.Result.POSITIVE,
            tested_on__range=(first, final),
            person__episodes__decision_date__lte=final,
        ).values(REGION),
        "breach": HandOver.objects.filter(
            episode__person__in=persons,
            reason=HandOver.Reason.SERIOUS_BREACH,
            prepared_on__range=(first, final),
            episode__person__episodes__decision_date__lte=final,
        ).values(community=F("episode__person__region")),
    }
    for figure, qs in facts.items():
        key = "community" if figure == "breach" else REGION
        for row in qs.annotate(**fact_columns[figure]).order_by():
            for i, period in enumerate(periods):
                put(period, row[key], {figure: row[f"{figure}_{i}"]})
    # 戒断三年未复吸 depends on the day only through the start of execution (three_years_clean_q):
    # read each clean person's start once, grouped by community and start, and compare per period.
    cutoffs = {period: deadlines.three_years_cutoff(period[1]) for period in periods}
    for community_id, started, n in _clean_starts(persons):
        for period, cutoff in cutoffs.items():
            if started <= cutoff:
                put(period, community_id, {"three_years_clean": n})
    return out


# A day by which every start of execution has reached three years: the definition less its clock.
_FAR_FUTURE = date(9000, 1, 1)


def _clean_starts(persons):
    """(community id, start of execution, persons) of the persons of `persons` whose last episode
    meets every condition of 戒断三年未复吸 but the three years (`casework.selectors.three_years_clean_q`
    at a day by which every start has reached them)."""
    last = casework_selectors.episodes_with_follow_up_facts(
        casework_selectors.last_episodes(Episode.objects.filter(person__in=persons))
    ).filter(casework_selectors.three_years_clean_q(_FAR_FUTURE))
    return (
        last.values(REGION, "start_date")
        .annotate(n=Count("person", distinct=True))
        .values_list(REGION, "start_date", "n")
        .order_by()
    )


def _covers(user, region: Region) -> bool:
    path = selectors.supervisor_region_path(user)
    return path is not None and region.path.startswith(path)


def stored_figures(
    user, region: Region, periods: list[tuple[date, date]], *, communities: bool = False
) -> dict:
    """{period: ({region id: figures}, computed at)} as stored last night, for the periods that were
    stored: the region's own row, or with `communities` the rows of the communities under it (one
    query; every region has a row for every stored period, zeros included)."""
    if not _covers(user, region):
        return {}
    wanted = Q()
    for start, end in periods:
        wanted |= Q(start=start, end=end)
    rows = RegionFigures.objects.filter(wanted)
    if communities:
        rows = rows.filter(region__path__startswith=region.path, region__level=Region.Level.COMMUNITY)
    else:
        rows = rows.filter(region=region)
    found: dict = {}
    for start, end, region_id, data, computed_at in rows.values_list(
        "start", "end", "region_id", "data", "computed_at"
    ):
        found.setdefault((start, end), ({}, computed_at))[0][region_id] = data
    return found


def monthly_series(user, region: Region, months: int = 12, today: date | None = None) -> list[RateSheet]:
    """The region's rate sheets for the last `months` calendar months, oldest first (the charts).

    One query when the nightly figures hold the months; a month they lack is computed live.
    """
    today = today or timezone.localdate()
    periods = list(reversed(standard_periods(today)[1 : months + 1]))
    stored = stored_figures(user, region, periods)
    return [
        _stored_sheet(region, start, end, stored[(start, end)])
        if (start, end) in stored
        else rates_for(user, region, start, end, live=True)
        for start, end in periods
    ]


def _stored_sheet(region: Region, start: date, end: date, stored) -> RateSheet:
    rows, computed_at = stored
    sheet = sheet_from(region, start, end, rows.values())
    sheet.computed_at = computed_at
    return sheet
