"""The rates supervisors report (rules.md §5, working definitions) and the community scoreboard.

Each rate is one aggregate query over the persons in the user's view under a region,
so the page costs the same number of queries for 60 persons or 100,000. The page and
the export read the same `rates_for` result. Definitions are derived (no national
formula exists) and shown beside the numbers; the customer's 禁毒办 may redefine them.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from casework.models import Agreement, DrugTest, Episode, HandOver, Obligation, Person, Region, Talk
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

    def by_key(self) -> dict[str, Rate]:
        return {r.key: r for r in self.rates}


def _persons(user, region: Region):
    return selectors.visible_persons(user).filter(region__path__startswith=region.path).values("pk")


def under_management(persons, end: date):
    """Episodes open at the end of the period (decided on or before it, not closed by then)."""
    return (
        Episode.objects.filter(person__in=persons, decision_date__lte=end)
        .exclude(status__in=CLOSED, closed_on__lte=end)
        .exclude(status=Episode.Status.DECIDED)
    )


def rates_for(user, region: Region, start: date, end: date) -> RateSheet:
    persons = _persons(user, region)
    sheet = RateSheet(region=region, start=start, end=end)
    managed = under_management(persons, end)

    due = Episode.objects.filter(person__in=persons, report_deadline__range=(start, end)).aggregate(
        n=Count("pk"),
        on_time=Count("pk", filter=Q(reported_on__isnull=False, reported_on__lte=F("report_deadline"))),
    )
    sheet.rates.append(
        Rate(
            "report",
            _("报到率"),
            due["on_time"],
            due["n"],
            _(
                "报到期限在本期内、且按期报到的人数 ÷ 报到期限在本期内的人数（《戒毒条例》第十四条、第三十八条）"
            ),
        )
    )

    ordered = Episode.objects.filter(person__in=persons, decision_date__lte=end).exclude(closed_on__lt=start)
    executed = ordered.aggregate(n=Count("pk"), done=Count("pk", filter=Q(reported_on__isnull=False)))
    sheet.rates.append(
        Rate(
            "execution",
            _("执行率"),
            executed["done"],
            executed["n"],
            _("已报到执行（含期满）的人数 ÷ 本期内责令社区戒毒、社区康复的人数"),
        )
    )

    reported = Episode.objects.filter(person__in=persons, reported_on__lte=end).exclude(closed_on__lt=start)
    signed = reported.aggregate(
        n=Count("pk"), signed=Count("pk", filter=Q(Exists(Agreement.objects.filter(episode=OuterRef("pk")))))
    )
    sheet.rates.append(
        Rate(
            "agreement",
            _("协议签订率"),
            signed["signed"],
            signed["n"],
            _("已签订协议的人数 ÷ 已报到的人数（《戒毒条例》第十六条）"),
        )
    )

    tests_due = (
        Obligation.objects.filter(person__in=persons, kind="drug_test", due_by__range=(start, end))
        .exclude(status=Obligation.Status.EXCUSED)
        .aggregate(n=Count("pk"), done=Count("pk", filter=Q(status=Obligation.Status.DONE)))
    )
    sheet.rates.append(
        Rate(
            "testing",
            _("尿检率"),
            tests_due["done"],
            tests_due["n"],
            _("应检测次数中已完成的次数 ÷ 本期内按频次规则应检测的次数（免除的不计）"),
        )
    )

    tests = DrugTest.objects.filter(
        person__in=persons,
        tested_on__range=(start, end),
        result__in=[DrugTest.Result.NEGATIVE, DrugTest.Result.POSITIVE],
    ).aggregate(n=Count("pk"), positive=Count("pk", filter=Q(result=DrugTest.Result.POSITIVE)))
    sheet.rates.append(
        Rate("positive", _("阳性率"), tests["positive"], tests["n"], _("阳性检测次数 ÷ 本期内完成的检测次数"))
    )

    status = managed.aggregate(
        n=Count("pk"),
        missing=Count("pk", filter=Q(status=Episode.Status.MISSING)),
        breach=Count(
            "pk",
            filter=Q(
                Exists(
                    HandOver.objects.filter(
                        episode=OuterRef("pk"),
                        reason=HandOver.Reason.SERIOUS_BREACH,
                        prepared_on__range=(start, end),
                    )
                )
            ),
        ),
        relapse=Count(
            "pk",
            filter=Q(
                Exists(
                    DrugTest.objects.filter(
                        episode=OuterRef("pk"), result=DrugTest.Result.POSITIVE, tested_on__range=(start, end)
                    )
                )
            ),
        ),
        helped=Count(
            "pk", filter=Q(Exists(Talk.objects.filter(episode=OuterRef("pk"), held_on__range=(start, end))))
        ),
    )
    n = status["n"]
    sheet.rates += [
        Rate(
            "control",
            _("管控率"),
            n - status["missing"],
            n,
            _("期末在管人员中去向明确（非失控）的人数 ÷ 期末在管人数"),
        ),
        Rate("lost", _("失控率"), status["missing"], n, _("期末失控（脱失）的人数 ÷ 期末在管人数")),
        Rate(
            "breach",
            _("严重违反率"),
            status["breach"],
            n,
            _("本期内因严重违反协议移交公安的人数 ÷ 期末在管人数（《戒毒条例》第二十条）"),
        ),
        Rate("relapse", _("复吸率"), status["relapse"], n, _("本期内检测阳性的人数 ÷ 期末在管人数")),
        Rate("help", _("帮教率"), status["helped"], n, _("本期内至少有一次谈话或走访的人数 ÷ 期末在管人数")),
    ]
    sheet.three_years_clean = three_years_clean(persons, end)
    return sheet


def three_years_clean(persons, end: date) -> int:
    """Persons 3 years from the start of execution with no positive test, excluding refusals and
    serious breaches (上海市禁毒条例 art 29, 山东省禁毒条例 art 36; rules.md §1.12)."""
    from casework.deadlines import add_months

    cutoff = add_months(end, -36)
    return (
        Person.objects.filter(pk__in=persons)
        .filter(Exists(Episode.objects.filter(person=OuterRef("pk"), start_date__lte=cutoff)))
        .exclude(Exists(DrugTest.objects.filter(person=OuterRef("pk"), result=DrugTest.Result.POSITIVE)))
        .exclude(Exists(HandOver.objects.filter(episode__person=OuterRef("pk"))))
        .count()
    )


TARGETS = {"control": 100.0, "help": 100.0, "testing": 100.0, "lost": 0.0}


def scoreboard(user, region: Region, start: date, end: date) -> list[dict]:
    """For each community under `region`: persons under management, new cases, rates, pass/fail with reasons."""
    communities = list(
        Region.objects.filter(path__startswith=region.path, level=Region.Level.COMMUNITY).order_by("path")
    )
    persons = selectors.visible_persons(user).filter(region__path__startswith=region.path).values("pk")
    managed = under_management(persons, end)
    per = {
        row["community"]: row
        for row in managed.values("community").annotate(
            n=Count("pk"),
            missing=Count("pk", filter=Q(status=Episode.Status.MISSING)),
            helped=Count(
                "pk",
                filter=Q(Exists(Talk.objects.filter(episode=OuterRef("pk"), held_on__range=(start, end)))),
            ),
        )
    }
    new_cases = dict(
        Episode.objects.filter(person__in=persons, decision_date__range=(date(end.year, 1, 1), end))
        .values("community")
        .annotate(n=Count("pk"))
        .values_list("community", "n")
    )
    tests = {
        row["episode__community"]: row
        for row in Obligation.objects.filter(person__in=persons, kind="drug_test", due_by__range=(start, end))
        .exclude(status=Obligation.Status.EXCUSED)
        .values("episode__community")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(status=Obligation.Status.DONE)))
    }
    rows = []
    for community in communities:
        m = per.get(community.pk, {"n": 0, "missing": 0, "helped": 0})
        t = tests.get(community.pk, {"n": 0, "done": 0})
        values = {
            "control": _pct(m["n"] - m["missing"], m["n"]),
            "lost": _pct(m["missing"], m["n"]),
            "help": _pct(m["helped"], m["n"]),
            "testing": _pct(t["done"], t["n"]),
        }
        new = new_cases.get(community.pk, 0)
        reasons = []
        labels = {"control": _("管控率"), "help": _("帮教率"), "testing": _("尿检率"), "lost": _("失控率")}
        for key, target in TARGETS.items():
            value = values[key]
            if value is None:
                continue
            failed = value > target if key == "lost" else value < target
            if failed:
                reasons.append(f"{labels[key]} {value}%（目标 {target:g}%）")
        if new:
            reasons.append(f"本年新增 {new} 人（目标 0）")
        rows.append(
            {
                "community": community,
                "managed": m["n"],
                "new": new,
                **values,
                "passed": not reasons,
                "reasons": reasons,
            }
        )
    return rows


def _pct(numerator: int, denominator: int) -> float | None:
    return round(100 * numerator / denominator, 1) if denominator else None
