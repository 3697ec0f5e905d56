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

    Run each night after the scan. Each period is one grouped pass over all persons (by
    community); each community's figures are then added to every region above it. The rows of
    a period are replaced in one transaction.
    """
    everyone = Person.objects.values("pk")
    regions = list(Region.objects.values_list("pk", "path", "level"))
    id_of = {path: pk for pk, path, _level in regions}
    ancestors = {
        pk: [id_of[above] for above in Region.paths_above(path)[:-1] if above in id_of]
        for pk, path, level in regions
        if level == Region.Level.COMMUNITY
    }
    written = 0
    now = timezone.now()
    for start, end in standard_periods(today):
        totals = {pk: dict.fromkeys(FIGURES, 0) for pk, _path, _level in regions}
        for community_id, figures in community_figures(everyone, start, end, today).items():
            for region_id in (community_id, *ancestors.get(community_id, ())):
                row = totals[region_id]
                for key, value in figures.items():
                    row[key] += value
        with transaction.atomic():
            RegionFigures.objects.filter(start=start, end=end).delete()
            RegionFigures.objects.bulk_create(
                (
                    RegionFigures(region_id=pk, start=start, end=end, computed_at=now, data=data)
                    for pk, data in totals.items()
                ),
                batch_size=2000,
            )
        written += len(totals)
    # Periods no longer standard (an earlier year to date, months older than a year) go.
    keep = Q()
    for start, end in standard_periods(today):
        keep |= Q(start=start, end=end)
    RegionFigures.objects.exclude(keep).delete()
    return written + staff_figures_refresh(today)


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
