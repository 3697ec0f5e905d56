"""The 无毒社区 assessment: every criterion of the seed texts per community, with its source,
target, result and reason.

Case criteria (第三篇 四(二) 管控率、帮教率; 二 2 失控率为0、零增长; 五(六) 四 总体尿检率;
第五篇 三 “五无一个不低于”) come from `oversight.rates.community_figures` over the persons the
user may see (the one door), or last night's stored figures; the 收戒率 is one more grouped
count through the same door. Entered criteria (第三篇 二 1 宣传教育面、青少年毒品预防教育率;
五(六) 三 知晓率 by group; the rest of “五无” and “四无”) come from the programme's records, each
naming who entered it. An open rectification (整改) blocks the pass (第三篇 五(五)).

The cost is a fixed number of grouped queries, whatever the number of communities or records.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.models import Episode, Region
from drugfree import selectors
from drugfree.models import Activity, Declaration, Inspection, Survey, Title
from oversight import rates

CASES = "cases"
ENTERED = "entered"
SOURCE_LABELS = {CASES: gettext_lazy("由个案数据计算"), ENTERED: gettext_lazy("录入并附佐证")}

# 知晓率 by group (第三篇 五(六) 三): the group and the setting that holds its target.
AWARENESS_TARGETS = {
    Survey.Group.TOWN: "awareness_town_target",
    Survey.Group.VILLAGE: "awareness_village_target",
    Survey.Group.MIGRANT: "awareness_migrant_target",
    Survey.Group.VENUE: "awareness_venue_target",
    Survey.Group.SCHOOL: "awareness_school_target",
}
# The audiences 禁毒宣传教育面 must reach (第三篇 五(一): 外来务工人员、易涉毒场所从业人员、中小学生;
# 第一篇 一: 居民群众、机关干部).
EDUCATION_AUDIENCES = tuple(Activity.Audience.values)
FIVE_NONE_ENTERED = (
    Declaration.Fact.NO_CRIME,
    Declaration.Fact.NO_VENUE_DRUGS,
    Declaration.Fact.NO_PRECURSORS,
)
FOUR_NONE_ENTERED = (Declaration.Fact.NO_DEALING, Declaration.Fact.NO_PLANTING, Declaration.Fact.NO_MAKING)


@dataclass
class Criterion:
    key: str
    label: str
    source: str
    value: str  # as shown
    target: str
    passed: bool
    reason: str = ""
    entered_by: str = ""
    link: str = ""  # the evidence or the persons behind the figure

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS[self.source])


@dataclass
class CommunityAssessment:
    community: Region
    criteria: list[Criterion] = field(default_factory=list)
    open_rectifications: int = 0
    title: str = ""  # the current title's level label, if any

    @property
    def passed(self) -> bool:
        return self.open_rectifications == 0 and all(c.passed for c in self.criteria)

    @property
    def reasons(self) -> list[str]:
        out = [f"{c.label}：{c.reason}" for c in self.criteria if not c.passed]
        if self.open_rectifications:
            out.append(_("有 %(n)d 项督查整改未销号") % {"n": self.open_rectifications})
        return out


def pct(numerator: int, denominator: int) -> float | None:
    return round(100 * numerator / denominator, 1) if denominator else None


def _shown(value: float | None) -> str:
    return "—" if value is None else f"{value:g}%"


def compulsory_counts(persons, start: date, end: date) -> dict[int, tuple[int, int]]:
    """{community id: (persons sent to 强制隔离戒毒 in the period, registered persons)} (one query).

    Registered: persons of the community with an episode that was open at some time in the
    period. Sent: of those, persons with an episode closed in the period by a decision of
    强制隔离戒毒 (第五篇 三: 登记在册吸毒人员强制隔离戒毒收戒率).
    """
    sent = Episode.objects.filter(
        person=OuterRef("person"),
        closed_on__range=(start, end),
    ).filter(Q(status=Episode.Status.COMPULSORY) | Q(closed_reason=Episode.ClosedReason.COMPULSORY))
    rows = (
        Episode.objects.filter(person__in=persons, decision_date__lte=end)
        .exclude(closed_on__lt=start)
        .values("person__region")
        .annotate(
            registered=Count("person", distinct=True),
            compulsory=Count("person", distinct=True, filter=Q(Exists(sent))),
        )
    )
    return {row["person__region"]: (row["compulsory"], row["registered"]) for row in rows}


def _year_figures(user, region: Region, start: date, end: date, live: bool) -> dict[int, dict[str, int]]:
    stored = (
        None
        if live
        else rates.stored_figures(user, region, [(start, end)], communities=True).get((start, end))
    )
    if stored:
        return stored[0]
    return rates.community_figures(rates.region_persons(user, region), start, end)


def assess(user, region: Region, year: int, as_of: date, *, live: bool = False) -> list[CommunityAssessment]:
    """The assessment of every community under `region` for `year` (to `as_of` in the current year)."""
    start = date(year, 1, 1)
    end = min(date(year, 12, 31), as_of)
    communities = list(
        selectors.visible_communities(user).filter(path__startswith=region.path).order_by("path")
    )
    if not communities:
        return []
    ids = [c.pk for c in communities]
    targets = selectors.settings_by_path([c.path for c in communities])
    figures = _year_figures(user, region, start, end, live)
    compulsory = compulsory_counts(rates.region_persons(user, region), start, end)
    in_year = {"community__in": ids}

    reach: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for row in (
        Activity.objects.filter(held_on__range=(start, end), **in_year)
        .values("community", "audience")
        .annotate(size=Sum("audience_size"), reached=Sum("reached"))
    ):
        reach[row["community"]][row["audience"]] = (row["reached"], row["size"])
    awareness: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for row in (
        Survey.objects.filter(held_on__range=(start, end), **in_year)
        .values("community", "group")
        .annotate(sample=Sum("sample"), knew=Sum("knew"))
    ):
        awareness[row["community"]][row["group"]] = (row["knew"], row["sample"])
    declared: dict[int, dict[str, Declaration]] = defaultdict(dict)
    for declaration in Declaration.objects.filter(year=year, **in_year).select_related("recorded_by"):
        declared[declaration.community_id][declaration.fact] = declaration
    open_rectifications = dict(
        Inspection.objects.filter(closed_on__isnull=True, **in_year)
        .exclude(finding="")
        .values_list("community")
        .annotate(n=Count("pk"))
    )
    titles = dict(
        Title.objects.filter(revoked_on__isnull=True, **in_year)
        .order_by("community", "level")  # "county" sorts before "town": the higher title wins
        .values_list("community", "level")
        .distinct()
    )
    empty = dict.fromkeys(rates.FIGURES, 0)
    out = []
    for community in communities:
        t = targets[community.path]
        m = figures.get(community.pk, empty)
        row = CommunityAssessment(
            community=community,
            open_rectifications=open_rectifications.get(community.pk, 0),
            title=str(Title.Level(titles[community.pk]).label) if community.pk in titles else "",
        )
        row.criteria = [
            *_case_criteria(community, m, compulsory.get(community.pk, (0, 0)), t, year),
            *_education_criteria(community, reach[community.pk], t, year),
            *_awareness_criteria(community, awareness[community.pk], t, year),
            *_declared_criteria(community, declared[community.pk], year),
        ]
        out.append(row)
    return out


def _persons_link(community: Region, **query) -> str:
    from urllib.parse import urlencode

    return reverse("person_list") + "?" + urlencode({"region": community.pk, **query})


def _records_link(name: str, community: Region, year: int, **query) -> str:
    from urllib.parse import urlencode

    return (
        reverse("drugfree_records", args=[name])
        + "?"
        + urlencode({"community": community.pk, "year": year, **query})
    )


def _case_criteria(community, m, compulsory, t, year) -> list[Criterion]:
    managed = m["managed"]

    def full(key, label, numerator, denominator, link, source_reason):
        value = pct(numerator, denominator)
        passed = value is None or value >= 100
        reason = (
            ""
            if passed
            else _("%(value)s（%(n)d/%(d)d），%(why)s")
            % {
                "value": _shown(value),
                "n": numerator,
                "d": denominator,
                "why": source_reason,
            }
        )
        return Criterion(key, label, CASES, _shown(value), "100%", passed, reason, link=link)

    sent, registered = compulsory
    compulsory_rate = pct(sent, registered)
    floor = t["compulsory_rate_floor"]
    compulsory_ok = compulsory_rate is None or compulsory_rate >= floor
    return [
        full(
            "control",
            _("管控率"),
            m["controlled"],
            managed,
            _persons_link(community),
            _("有在管人员失控"),
        ),
        full(
            "help", _("帮教率"), m["helped"], managed, _persons_link(community), _("有在管人员本期无谈话走访")
        ),
        Criterion(
            "lost",
            _("失控率（无失控吸毒人员）"),
            CASES,
            _shown(pct(m["missing"], managed)),
            "0%",
            m["missing"] == 0,
            "" if m["missing"] == 0 else _("失控 %(n)d 人") % {"n": m["missing"]},
            link=_persons_link(community, status=Episode.Status.MISSING),
        ),
        Criterion(
            "new",
            _("吸毒人员零增长（无新滋生吸毒人员）"),
            CASES,
            str(m["new"]),
            "0",
            m["new"] == 0,
            "" if m["new"] == 0 else _("本年新增 %(n)d 人") % {"n": m["new"]},
            link=_persons_link(community),
        ),
        full(
            "testing",
            _("总体尿检率"),
            m["tests_done"],
            m["tests_due"],
            _persons_link(community),
            _("有应检未检"),
        ),
        Criterion(
            "compulsory",
            _("强制隔离戒毒收戒率"),
            CASES,
            _shown(compulsory_rate),
            _("不低于 %(n)d%%") % {"n": floor},
            compulsory_ok,
            ""
            if compulsory_ok
            else _("%(value)s（%(n)d/%(d)d）低于 %(floor)d%%")
            % {"value": _shown(compulsory_rate), "n": sent, "d": registered, "floor": floor},
            link=_persons_link(community),
        ),
    ]


def _education_criteria(community, reach, t, year) -> list[Criterion]:
    covered = [a for a in EDUCATION_AUDIENCES if a in reach]
    coverage = pct(len(covered), len(EDUCATION_AUDIENCES))
    target = t["education_target"]
    missing = [str(Activity.Audience(a).label) for a in EDUCATION_AUDIENCES if a not in reach]
    reached, size = reach.get(Activity.Audience.YOUTH, (0, 0))
    youth = pct(reached, size)
    youth_target = t["youth_education_target"]
    return [
        Criterion(
            "education",
            _("禁毒宣传教育面"),
            ENTERED,
            _shown(coverage),
            f"{target}%",
            coverage >= target,
            "" if coverage >= target else _("未覆盖：%(groups)s") % {"groups": "、".join(missing)},
            link=_records_link("activities", community, year),
        ),
        Criterion(
            "youth",
            _("青少年毒品预防教育率"),
            ENTERED,
            _shown(youth),
            f"{youth_target}%",
            youth is not None and youth >= youth_target,
            _("本年无青少年预防教育活动")
            if youth is None
            else ("" if youth >= youth_target else _("%(n)d/%(d)d 人受教育") % {"n": reached, "d": size}),
            link=_records_link("activities", community, year, audience=Activity.Audience.YOUTH),
        ),
    ]


def _awareness_criteria(community, awareness, t, year) -> list[Criterion]:
    if not awareness:
        return [
            Criterion(
                "awareness",
                _("知晓率"),
                ENTERED,
                "—",
                "",
                False,
                _("本年未开展知晓率调查"),
                link=_records_link("surveys", community, year),
            )
        ]
    out = []
    for group, setting in AWARENESS_TARGETS.items():
        if group not in awareness:
            continue  # a group the community does not have (a village has no 集镇) is not surveyed
        knew, sample = awareness[group]
        value = pct(knew, sample)
        target = t[setting]
        passed = value >= target
        out.append(
            Criterion(
                f"awareness_{group}",
                _("知晓率·%(group)s") % {"group": Survey.Group(group).label},
                ENTERED,
                _shown(value),
                f"{target}%",
                passed,
                "" if passed else _("%(n)d/%(d)d 人知晓") % {"n": knew, "d": sample},
                link=_records_link("surveys", community, year, group=group),
            )
        )
    return out


def _declared_criteria(community, declared, year) -> list[Criterion]:
    out = []
    for fact in (*FIVE_NONE_ENTERED, *FOUR_NONE_ENTERED):
        declaration = declared.get(fact)
        label = str(Declaration.Fact(fact).label)
        if declaration is None:
            out.append(
                Criterion(
                    fact,
                    label,
                    ENTERED,
                    _("未填报"),
                    _("属实"),
                    False,
                    _("本年未填报"),
                    link=_records_link("declarations", community, year),
                )
            )
            continue
        user = declaration.recorded_by
        out.append(
            Criterion(
                fact,
                label,
                ENTERED,
                _("属实") if declaration.holds else _("不属实"),
                _("属实"),
                declaration.holds,
                "" if declaration.holds else declaration.note,
                entered_by=f"{user.last_name}{user.first_name}" or user.username,
                link=_records_link("declarations", community, year),
            )
        )
    return out


def passes_by_year(user, region: Region, years: list[int], as_of: date) -> list[tuple[int, int, int]]:
    """[(year, communities passing, communities)] for the trend beside the assessment."""
    out = []
    for year in years:
        rows = assess(user, region, year, as_of)
        out.append((year, sum(r.passed for r in rows), len(rows)))
    return out
