"""Demo data for the 无毒社区 programme in the two demo townships (城关镇, 和平镇).

Each demo community gets its village or residents' committee and an account
(``committee_<township>_<n>``, the demo password), and for the last twelve months: prevention
activities for every audience, awareness surveys, two responsibility letters (目标管理 and
禁种), a screening campaign, an inspection (one left open for rectification in each township)
the year's entered facts and the committee's year-end score. Titles go through the real flow (``drugfree.services``):

* last year every 城关镇 community applied; the township named all three 镇级, the county named
  东门社区 县级; this year 西门社区 was re-assessed and kept, 南湖村 lost its title;
* 和平镇: 和平社区 named 镇级 last year (its county decision still open); 新华社区 applied this
  year and waits for the township's check; 李庄村 has not applied.

Idempotent: a community that already has a committee is left alone.
"""

import random
from datetime import date, timedelta

from django.contrib.auth.models import Group, User
from django.utils import timezone

from casework.models import Agency, Region, Staff
from drugfree import services
from drugfree.models import (
    Activity,
    Application,
    Declaration,
    Inspection,
    Letter,
    Screening,
    Survey,
    TownshipTarget,
    UnitScore,
)

TOWNSHIPS = (("城关镇", "chengguan"), ("和平镇", "heping"))


def _committee_users(township: Region, slug: str, password_hash: str) -> list[tuple[Region, User]]:
    out = []
    communities = Region.objects.filter(
        path__startswith=township.path, level=Region.Level.COMMUNITY
    ).order_by("code")
    for n, community in enumerate(communities, start=1):
        name = f"{community.name}{'村民委员会' if community.name.endswith('村') else '居民委员会'}"
        agency = Agency.objects.filter(kind=Agency.Kind.COMMUNITY_COMMITTEE, region=community).first()
        if agency is None:
            group = Group.objects.create(name=f"agency-committee-{community.code}")
            agency = Agency.objects.create(
                name=name, kind=Agency.Kind.COMMUNITY_COMMITTEE, region=community, group=group
            )
        username = f"committee_{slug}_{n}"
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create(
                username=username, password=password_hash, last_name=name[:1], first_name="主任"
            )
            Staff.objects.create(user=user, agency=agency, role=Staff.Role.HEAD)
        out.append((community, user))
    return out


def _records(
    community: Region, user: User, rng: random.Random, today: date, open_inspection: bool, office: User
):
    year_ago = today - timedelta(days=360)

    def day(n: int) -> date:
        return min(today, year_ago + timedelta(days=n))

    size = rng.randint(800, 2500)
    for n, (kind, audience, title) in enumerate(
        (
            (Activity.Kind.BROADCAST, Activity.Audience.RESIDENTS, "禁毒宣传广播"),
            (Activity.Kind.BLACKBOARD, Activity.Audience.RESIDENTS, "毒品危害黑板报"),
            (Activity.Kind.LAW_CLASS, Activity.Audience.YOUTH, "中小学法制教育课"),
            (Activity.Kind.LECTURE, Activity.Audience.MIGRANTS, "外来务工人员禁毒讲座"),
            (Activity.Kind.LEAFLET, Activity.Audience.VENUES, "娱乐场所禁毒告知"),
            (Activity.Kind.CONTEST, Activity.Audience.CADRES, "禁毒知识竞赛"),
        )
    ):
        audience_size = {
            Activity.Audience.RESIDENTS: size,
            Activity.Audience.YOUTH: rng.randint(120, 400),
        }.get(audience, rng.randint(20, 120))
        reached = audience_size if audience != Activity.Audience.CADRES else round(audience_size * 0.95)
        Activity.objects.create(
            community=community,
            held_on=day(30 + 55 * n),
            kind=kind,
            audience=audience,
            title=title,
            quantity=18 if kind == Activity.Kind.BROADCAST else rng.randint(1, 6),
            minutes=30 if kind == Activity.Kind.BROADCAST else None,
            audience_size=audience_size,
            reached=reached,
            recorded_by=user,
        )
    village = community.name.endswith("村")
    Survey.objects.create(
        community=community,
        held_on=day(300),
        group=Survey.Group.VILLAGE if village else Survey.Group.TOWN,
        sample=100,
        knew=rng.randint(91, 100) if village else 100,
        recorded_by=user,
    )
    Survey.objects.create(
        community=community,
        held_on=day(305),
        group=Survey.Group.MIGRANT,
        sample=30,
        knew=30,
        recorded_by=user,
    )
    for kind, duty, unit in (
        (Letter.Kind.TARGETS, Letter.Duty.VILLAGE_HOUSEHOLDS, f"{community.name}村(居)民委员会"),
        (Letter.Kind.NO_PLANTING, Letter.Duty.FAMILY_MEMBERS, f"{community.name}治保委员会"),
    ):
        Letter.objects.create(
            community=community,
            kind=kind,
            duty=duty,
            unit=unit,
            responsible="王主任",
            signed_on=day(10),
            term_start=date(today.year, 1, 1),
            term_end=date(today.year, 12, 31),
            content="落实“四包”责任制，保证本村(社区)农户及家庭成员不发生涉毒问题；春播期间开展毒品原植物踏查。",
            recorded_by=office,
        )
    Screening.objects.create(
        community=community,
        kind=Screening.Kind.HOUSEHOLDS,
        started_on=day(120),
        ended_on=day(134),
        households=rng.randint(300, 900),
        people_checked=rng.randint(900, 2500),
        found=0,
        note="村(社区)干部入户排查，发现的涉毒人员已按登记程序建档。",
        recorded_by=user,
    )
    inspected = day(250)
    Inspection.objects.create(
        community=community,
        kind=Inspection.Kind.SURPRISE,
        inspected_on=inspected,
        unit=f"{community.name}工作站",
        finding="禁毒宣传台账不全",
        rectify_by=inspected + timedelta(days=30),
        closed_on=None if open_inspection else inspected + timedelta(days=20),
        closed_by=None if open_inspection else office,
        closure_note="" if open_inspection else "已补齐台账",
        recorded_by=office,
    )
    UnitScore.objects.create(
        community=community,
        year=today.year,
        unit=f"{community.name}{'村民委员会' if community.name.endswith('村') else '居民委员会'}",
        **{item: rng.randint(14, 20) for item in UnitScore.ITEMS},
        note="年终考核",
        recorded_by=office,
    )
    for fact in Declaration.Fact.values:
        Declaration.objects.update_or_create(
            community=community,
            year=today.year,
            fact=fact,
            defaults={"holds": True, "note": "经村(社区)、派出所核实", "recorded_by": user},
        )


def seed_drugfree(password_hash: str, today: date | None = None) -> int:
    """Seed the programme for the demo townships; return the communities seeded now."""
    today = today or timezone.localdate()
    seeded = 0
    county_office = User.objects.filter(username="sup_county").first()
    for name, slug in TOWNSHIPS:
        township = Region.objects.filter(level=Region.Level.TOWNSHIP, name=name).order_by("code").first()
        office = User.objects.filter(username=f"sup_{slug}").first()
        if township is None or office is None:
            continue
        fresh = not Agency.objects.filter(
            kind=Agency.Kind.COMMUNITY_COMMITTEE, region__path__startswith=township.path
        ).exists()
        committees = _committee_users(township, slug, password_hash)
        if not fresh:
            continue
        rng = random.Random(f"drugfree:{township.code}")
        for n, (community, user) in enumerate(committees):
            _records(community, user, rng, today, open_inspection=n == len(committees) - 1, office=office)
            seeded += 1
        TownshipTarget.objects.update_or_create(
            township=township,
            year=today.year + 1,
            defaults={"communities": len(committees), "county_level": 1, "set_by": office},
        )
        if county_office is not None:
            _titles(slug, committees, office, county_office, today)
    return seeded


def _apply(community, user, year, on):
    return services.application_submit(
        actor=user,
        community=community,
        year=year,
        statement="本村(社区)成立创建领导小组，制定创建方案；开展禁毒宣传、入户排查，签订禁种责任书，落实帮教措施。",
        applied_on=on,
    )


def _titles(slug, committees, office, county_office, today):
    last = today.year - 1
    applied, checked, decided = date(last, 3, 1), date(last, 4, 1), date(last, 6, 1)
    if slug == "chengguan":
        for n, (community, user) in enumerate(committees):
            application = _apply(community, user, last, applied)
            services.application_check(
                actor=office, application=application, name=True, note="对照标准逐项核查，达标", on=checked
            )
            services.application_county_decide(
                actor=county_office, application=application, name=n == 0, on=decided
            )
            if n == 1:
                services.application_review(
                    actor=office, application=application, keep=True, note="巩固达标", on=today
                )
            elif n == 2:
                services.application_review(
                    actor=office,
                    application=application,
                    keep=False,
                    note="本年新增吸毒人员，知晓率复查未达标，撤销命名",
                    on=today,
                )
    else:
        first, second = committees[0], committees[1] if len(committees) > 1 else None
        application = _apply(first[0], first[1], last, applied)
        services.application_check(actor=office, application=application, name=True, note="达标", on=checked)
        if second is not None:
            _apply(second[0], second[1], today.year, today - timedelta(days=3))
    return Application.objects.count()
