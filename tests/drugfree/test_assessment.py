"""The assessment: every criterion of the seed texts on known data, equal to a plain-Python recount.

Seed (../shared/domain/seed-drug-free-town.txt): 第三篇 二 1 (禁毒宣传教育面100%, 青少年毒品预防教育率
100%), 二 2 and 四(二) (管控率100%, 帮教率100%, 失控率0, 零增长), 五(六) 三 (知晓率: 集镇100%, 农村90%,
外来务工人员100%, 娱乐场所100%, 中小学100%), 五(六) 四 (总体尿检率100%), 五(五) (督查整改), 第五篇 三
(“五无一个不低于”: 强制隔离戒毒收戒率不低于30%), 第一篇 (“四无”).
"""

from datetime import date

import pytest
from django.urls import reverse

from casework.models import Episode, Obligation, Talk
from drugfree.assessment import assess
from drugfree.models import Activity, Declaration, Inspection, ProgrammeSettings, Survey
from tests import factories as f

pytestmark = pytest.mark.django_db

YEAR = 2025
AS_OF = date(2025, 12, 31)
START, END = date(YEAR, 1, 1), date(YEAR, 12, 31)


def activity(w, key, audience, size, reached, user):
    return Activity.objects.create(
        community=w[key],
        held_on=date(YEAR, 6, 26),
        kind=Activity.Kind.LECTURE,
        audience=audience,
        title="6.26国际禁毒日宣传",
        audience_size=size,
        reached=reached,
        recorded_by=user,
    )


def survey(w, key, group, sample, knew, user):
    return Survey.objects.create(
        community=w[key], held_on=date(YEAR, 9, 1), group=group, sample=sample, knew=knew, recorded_by=user
    )


def declare(w, key, fact, holds, user, note="无"):
    return Declaration.objects.create(
        community=w[key], year=YEAR, fact=fact, holds=holds, note=note, recorded_by=user
    )


@pytest.fixture
def data(programme):
    w = programme
    ws = w["work_station1_user"]
    a = f.person_with_episode(w["c1"], served_on=date(2025, 2, 1))  # new this year, helped
    m = f.person_with_episode(w["c1"], served_on=date(2024, 3, 1), status=Episode.Status.MISSING)
    k = f.person_with_episode(w["c1"], served_on=date(2024, 4, 1))
    Episode.objects.filter(person=k).update(
        status=Episode.Status.COMPULSORY,
        closed_on=date(2025, 6, 1),
        closed_reason=Episode.ClosedReason.COMPULSORY,
    )
    Talk.objects.create(
        episode=a.episodes.get(), person=a, held_on=date(2025, 6, 1), staff=ws, summary="谈话"
    )
    for due, status in ((date(2025, 3, 6), "done"), (date(2025, 4, 6), "overdue")):
        Obligation.objects.create(
            episode=a.episodes.get(),
            person=a,
            kind="drug_test",
            sequence=Obligation.objects.filter(person=a).count() + 1,
            programme_year=1,
            due_from=due,
            due_by=due,
            township=w["t1"],
            status=status,
        )
    committee = w["committee_c1"]
    for audience in Activity.Audience.values:
        activity(w, "c1", audience, 300, 300 if audience == "youth" else 120, committee)
    activity(w, "c1", Activity.Audience.YOUTH, 100, 80, committee)  # a second class missed 20 pupils
    survey(w, "c1", Survey.Group.VILLAGE, 100, 92, committee)  # 92 % ≥ 90 %
    survey(w, "c1", Survey.Group.MIGRANT, 50, 45, committee)  # 90 % < 100 %
    for fact in Declaration.Fact.values:
        declare(w, "c1", fact, fact != Declaration.Fact.NO_CRIME, committee, note="吸毒人员盗窃一起")
    activity(w, "c1b", Activity.Audience.RESIDENTS, 500, 500, w["committee_c1b"])
    Inspection.objects.create(
        community=w["c1b"],
        kind=Inspection.Kind.SURPRISE,
        inspected_on=date(2025, 10, 1),
        unit="某KTV",
        finding="未张贴禁毒告示",
        rectify_by=date(2025, 10, 15),
        recorded_by=w["sup1_user"],
    )
    return {"a": a, "m": m, "k": k}


def recount(persons, activities, surveys):
    """Plain Python over the same records, following the definitions on the page."""
    episodes = [p.episodes.get() for p in persons]
    managed = [e for e in episodes if e.status not in Episode.CLOSED_STATUSES and e.status != "decided"]
    registered = [e for e in episodes if e.decision_date <= END and not (e.closed_on and e.closed_on < START)]
    sent = [e for e in registered if e.status == "compulsory" and e.closed_on and START <= e.closed_on <= END]
    tests = [
        o for p in persons for o in p.obligations.all() if o.kind == "drug_test" and START <= o.due_by <= END
    ]
    youth = [x for x in activities if x.audience == "youth"]
    out = {
        "control": (sum(1 for e in managed if e.status != "missing"), len(managed)),
        "help": (
            sum(1 for e in managed if e.talks.filter(held_on__range=(START, END)).exists()),
            len(managed),
        ),
        "lost": sum(1 for e in managed if e.status == "missing"),
        "new": sum(1 for e in episodes if START <= e.decision_date <= END),
        "testing": (sum(1 for o in tests if o.status == "done"), len(tests)),
        "compulsory": (len(sent), len(registered)),
        "education": len({x.audience for x in activities}),
        "youth": (sum(x.reached for x in youth), sum(x.audience_size for x in youth)),
    }
    for s in surveys:
        knew, sample = out.get(f"awareness_{s.group}", (0, 0))
        out[f"awareness_{s.group}"] = (knew + s.knew, sample + s.sample)
    return out


def pct(n, d):
    return f"{round(100 * n / d, 1):g}%"


def test_every_criterion_is_computed_and_agrees_with_a_recount(data, programme):
    w = programme
    rows = {r.community.pk: r for r in assess(w["sup1_user"], w["t1"], YEAR, AS_OF, live=True)}
    c1 = {c.key: c for c in rows[w["c1"].pk].criteria}
    expected = recount(
        [data["a"], data["m"], data["k"]],
        list(Activity.objects.filter(community=w["c1"])),
        list(Survey.objects.filter(community=w["c1"])),
    )
    assert c1["control"].value == pct(*expected["control"]) == "50%"  # a in control, m missing
    assert c1["help"].value == pct(*expected["help"]) == "50%"
    assert c1["lost"].value == "50%" and expected["lost"] == 1 and not c1["lost"].passed
    assert c1["new"].value == str(expected["new"]) == "1" and not c1["new"].passed
    assert c1["testing"].value == pct(*expected["testing"]) == "50%"
    # 五无一个不低于: one of three registered users (a, m, k) sent to 强制隔离戒毒: 33.3 % ≥ 30 %.
    assert expected["compulsory"] == (1, 3)
    assert (c1["compulsory"].value, c1["compulsory"].target, c1["compulsory"].passed) == (
        "33.3%",
        "不低于 30%",
        True,
    )
    assert c1["education"].value == pct(expected["education"], 5) == "100%" and c1["education"].passed
    assert c1["youth"].value == pct(*expected["youth"]) == "95%" and not c1["youth"].passed
    assert c1["youth"].reason == "380/400 人受教育"
    assert {k: c.source for k, c in c1.items()}["control"] == "cases"
    assert c1["youth"].source == "entered"
    row = rows[w["c1"].pk]
    assert not row.passed
    assert "管控率：50%（1/2），有在管人员失控" in row.reasons


def test_awareness_is_checked_by_group_against_its_target(data, programme):
    """知晓率: 农村 (by village) 90 %, 外来务工人员 100 % (第三篇 五(六) 三)."""
    w = programme
    rows = {r.community.pk: r for r in assess(w["sup1_user"], w["t1"], YEAR, AS_OF, live=True)}
    c1 = {c.key: c for c in rows[w["c1"].pk].criteria}
    assert (
        c1["awareness_village"].value,
        c1["awareness_village"].target,
        c1["awareness_village"].passed,
    ) == (
        "92%",
        "90%",
        True,
    )
    assert (
        c1["awareness_migrant"].value,
        c1["awareness_migrant"].passed,
        c1["awareness_migrant"].reason,
    ) == (
        "90%",
        False,
        "45/50 人知晓",
    )
    assert "awareness_town" not in c1  # a village has no 集镇 survey; it is not asked for
    c1b = {c.key: c for c in rows[w["c1b"].pk].criteria}
    assert c1b["awareness"].reason == "本年未开展知晓率调查" and not c1b["awareness"].passed
    # The township lowers the migrant target to 90 %: the same survey passes.
    ProgrammeSettings.objects.create(region=w["t1"], awareness_migrant_target=90)
    rows = {r.community.pk: r for r in assess(w["sup1_user"], w["t1"], YEAR, AS_OF, live=True)}
    c1 = {c.key: c for c in rows[w["c1"].pk].criteria}
    assert (c1["awareness_migrant"].target, c1["awareness_migrant"].passed) == ("90%", True)


def test_five_none_and_the_compulsory_floor(data, programme):
    """五无一个不低于: an entered “not so” fails with its note; 收戒率 below 30 % fails."""
    w = programme
    rows = {r.community.pk: r for r in assess(w["sup1_user"], w["t1"], YEAR, AS_OF, live=True)}
    c1 = {c.key: c for c in rows[w["c1"].pk].criteria}
    assert (c1["no_crime"].value, c1["no_crime"].passed, c1["no_crime"].reason) == (
        "不属实",
        False,
        "吸毒人员盗窃一起",
    )
    assert c1["no_crime"].entered_by == "committee_c1"
    assert all(
        c1[fact].passed
        for fact in ("no_venue_drugs", "no_precursors", "no_dealing", "no_planting", "no_making")
    )
    c1b = {c.key: c for c in rows[w["c1b"].pk].criteria}
    assert c1b["no_crime"].reason == "本年未填报"
    # Two more registered users in c1, none sent: 1 of 5 is 20 % < 30 %.
    f.person_with_episode(w["c1"], served_on=date(2024, 5, 1))
    f.person_with_episode(w["c1"], served_on=date(2024, 6, 1))
    rows = {r.community.pk: r for r in assess(w["sup1_user"], w["t1"], YEAR, AS_OF, live=True)}
    compulsory = {c.key: c for c in rows[w["c1"].pk].criteria}["compulsory"]
    assert (compulsory.value, compulsory.passed, compulsory.reason) == ("20%", False, "20%（1/5）低于 30%")


def test_an_open_rectification_blocks_the_pass_until_closed(programme):
    """督查 (第三篇 五(五)): a finding open past the assessment blocks the pass; closing it lifts the block."""
    from drugfree import services

    w = programme
    committee = w["committee_c1b"]
    for audience in Activity.Audience.values:
        activity(w, "c1b", audience, 10, 10, committee)
    survey(w, "c1b", Survey.Group.VILLAGE, 10, 10, committee)
    for fact in Declaration.Fact.values:
        declare(w, "c1b", fact, True, committee)
    inspection = Inspection.objects.create(
        community=w["c1b"],
        kind=Inspection.Kind.UNANNOUNCED,
        inspected_on=date(2025, 10, 1),
        unit="村委会",
        finding="台账不全",
        rectify_by=date(2025, 10, 31),
        recorded_by=w["sup1_user"],
    )

    def row():
        return next(
            r for r in assess(w["sup1_user"], w["t1"], YEAR, AS_OF, live=True) if r.community == w["c1b"]
        )

    assert all(c.passed for c in row().criteria)
    assert not row().passed and row().reasons == ["有 1 项督查整改未销号"]
    services.inspection_close(
        actor=w["sup1_user"], inspection=inspection, note="已补齐台账", on=date(2025, 10, 20)
    )
    assert row().passed


def test_a_township_sees_only_its_communities_and_persons(data, programme):
    w = programme
    mine = [r.community for r in assess(w["sup1_user"], w["t1"], YEAR, AS_OF, live=True)]
    assert mine == [w["c1"], w["c1b"]]
    assert assess(w["sup1_user"], w["t2"], YEAR, AS_OF, live=True) == []
    county = [r.community for r in assess(w["county_sup_user"], w["county"], YEAR, AS_OF, live=True)]
    assert county == [w["c1"], w["c1b"], w["c2"], w["c2b"]]
    # A committee sees its own community, and no person behind the case criteria.
    own = assess(w["committee_c1"], w["c1"], YEAR, AS_OF, live=True)
    assert [r.community for r in own] == [w["c1"]]
    assert {c.key: c.value for c in own[0].criteria}["control"] == "—"


def test_the_nightly_figures_give_the_same_assessment(data, programme):
    from oversight.rates import figures_refresh

    w = programme
    live = assess(w["sup1_user"], w["t1"], YEAR, AS_OF, live=True)
    figures_refresh(AS_OF)
    stored = assess(w["sup1_user"], w["t1"], YEAR, AS_OF)
    assert [(r.community.pk, [(c.key, c.value) for c in r.criteria]) for r in stored] == [
        (r.community.pk, [(c.key, c.value) for c in r.criteria]) for r in live
    ]


def test_the_assessment_page_drills_down_and_is_for_offices_only(client, data, programme):
    w = programme
    client.force_login(w["police1_user"])
    assert client.get(reverse("drugfree_assessment")).status_code == 404
    client.force_login(w["sup1_user"])
    page = client.get(reverse("drugfree_assessment") + f"?year={YEAR}&live=1").content.decode()
    assert "无毒社区评估" in page and "吸毒人员盗窃一起" in page and "有 1 项督查整改未销号" in page
    assert reverse("person_list") + f"?region={w['c1'].pk}&amp;status=missing" in page
    assert reverse("drugfree_records", args=["surveys"]) + f"?community={w['c1'].pk}&amp;year={YEAR}" in page
    printed = client.get(reverse("drugfree_assessment_print") + f"?year={YEAR}").content.decode()
    assert "年度“无毒社区”考核评估表" in printed


def test_assessment_query_count_is_flat_in_communities_and_records(client, data, programme):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    w = programme
    client.force_login(w["county_sup_user"])
    url = reverse("drugfree_assessment") + f"?year={YEAR}"

    def measure():
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small = measure()
    township = w["t2"]
    for n in range(3):
        community = f.Region.objects.add_child(
            f.Region.objects.get(pk=township.pk),
            {"name": f"新村{n}", "code": f"39{n:04d}", "level": "community"},
        )
        activity({"x": community}, "x", Activity.Audience.YOUTH, 10, 10, w["sup2_user"])
        survey({"x": community}, "x", Survey.Group.VILLAGE, 10, 9, w["sup2_user"])
        declare({"x": community}, "x", Declaration.Fact.NO_CRIME, True, w["sup2_user"])
        f.person_with_episode(community, served_on=date(2025, 7, 1))
    assert measure() == small


def test_the_assessment_reads_in_english(client, data, programme):
    w = programme
    client.force_login(w["sup1_user"])
    client.cookies["django_language"] = "en"
    page = client.get(reverse("drugfree_assessment") + f"?year={YEAR}&live=1")
    text = page.content.decode()
    assert "Compulsory isolated detox admission rate" in text and "computed from case records" in text
