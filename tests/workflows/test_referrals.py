"""Referrals to 人社 and 民政 end to end through the test client.

禁毒法 art 34 para 2 (training, job guidance, employment aid), 戒毒条例 arts 18(3) and 39,
art 4 (民政 support; social assistance, rules.md §3.3). The target agency sees the person only
while the referral is open; the employer of a placement is confidential (rules.md §7).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.errors import RecordRefused
from casework.models import CaseEvent, Episode, Referral, ReferralOutcome
from permissions.models import AccessLog
from tests import factories as f
from workflows.branches import referrals as services

pytestmark = pytest.mark.django_db

EMPLOYER = "城关镇顺达物流有限公司"


def active(world, community="c1"):
    today = timezone.localdate()
    person = f.person_with_episode(world[community], served_on=today - timedelta(days=100))
    return person, person.episodes.get()


def refer(client, world, person, kind, needs="无业，希望学习一门技能", skills="驾驶"):
    client.force_login(world["work_station1_user"])
    response = client.post(
        reverse("referral_new", args=[person.pk]),
        {"kind": kind, "referred_on": timezone.localdate().isoformat(), "needs": needs, "skills": skills},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Referral.objects.filter(person=person).latest("id")


def decide(client, user, referral, decision, reason=""):
    client.force_login(user)
    return client.post(
        reverse("referral_decide", args=[referral.pk]),
        {"decision": decision, "on": timezone.localdate().isoformat(), "reason": reason},
        follow=True,
    )


def outcome(client, user, referral, **data):
    client.force_login(user)
    data.setdefault("on_date", timezone.localdate().isoformat())
    return client.post(reverse("referral_outcome_new", args=[referral.pk]), data, follow=True)


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_employment_referral_accepted_with_training_and_a_confidential_placement(client, world):
    """The work station refers to the 人社所 (禁毒法 art 34 para 2; 戒毒条例 arts 18, 39); 人社
    accepts, records training (course, hours, certificate) and a placement whose employer only the
    work station and 人社 see (rules.md §7), then closes; after closing 人社 keeps no access to the
    person but its referral page keeps the outcomes."""
    person, episode = active(world)
    hr = world["human_resources1_user"]
    today = timezone.localdate()
    client.force_login(hr)
    assert client.get(reverse("person_detail", args=[person.pk])).status_code == 404

    referral = refer(client, world, person, Referral.Kind.EMPLOYMENT)
    assert referral.status == Referral.Status.REFERRED
    assert referral.agency == world["human_resources1"]
    assert referral.referred_on == today and referral.skills == "驾驶"

    client.force_login(hr)
    listing = client.get(reverse("referral_list")).content.decode()
    assert person.name in listing and "待受理" in listing
    assert client.get(reverse("person_detail", args=[person.pk])).status_code == 200
    response = decide(client, hr, referral, "accept")
    assert "已受理。" in messages_of(response)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert referral.accepted_on == today and referral.handled_by == hr

    outcome(
        client, hr, referral, kind="training", course="叉车驾驶", hours="40", certificate="特种设备作业证"
    )
    outcome(client, hr, referral, kind="placement", employer=EMPLOYER, note="签订一年劳动合同")
    outcome(client, hr, referral, kind="subsidy", amount="1200.00")
    kinds = list(referral.outcomes.order_by("id").values_list("kind", flat=True))
    assert kinds == ["training", "placement", "subsidy"]
    training = referral.outcomes.get(kind="training")
    assert (training.course, training.hours, training.certificate) == ("叉车驾驶", 40, "特种设备作业证")
    assert referral.outcomes.get(kind="subsidy").amount == Decimal("1200.00")

    # The employer: shown to the work station and 人社; hidden from the supervisor (who reads
    # training records by the matrix); the police do not see the referral at all.
    assert EMPLOYER in client.get(reverse("referral_detail", args=[referral.pk])).content.decode()
    client.force_login(world["work_station1_user"])
    page = client.get(reverse("person_support", args=[person.pk])).content.decode()
    assert "叉车驾驶" in page and EMPLOYER in page and 'id="referrals"' in page
    client.force_login(world["sup1_user"])
    page = client.get(reverse("person_support", args=[person.pk])).content.decode()
    assert "叉车驾驶" in page and EMPLOYER not in page and "用人单位保密" in page
    assert EMPLOYER not in client.get(reverse("referral_detail", args=[referral.pk])).content.decode()
    client.force_login(world["police1_user"])
    page = client.get(reverse("person_support", args=[person.pk])).content.decode()
    assert "叉车驾驶" not in page and EMPLOYER not in page and 'id="referrals"' not in page
    assert client.get(reverse("referral_detail", args=[referral.pk])).status_code == 404
    timeline = " ".join(CaseEvent.objects.filter(person=person).values_list("message", flat=True))
    assert EMPLOYER not in timeline and "1200" not in timeline

    client.force_login(hr)
    response = client.post(
        reverse("referral_close", args=[referral.pk]), {"closed_on": today.isoformat()}, follow=True
    )
    # Not confirmed: refused with the reason, nothing closed.
    assert "信息尚未保存：请勾选确认后再办结。" in messages_of(response)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    response = client.post(
        reverse("referral_close", args=[referral.pk]),
        {"closed_on": today.isoformat(), "confirm": "on"},
        follow=True,
    )
    assert "已办结。" in messages_of(response)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLOSED and referral.closed_on == today
    assert client.get(reverse("person_detail", args=[person.pk])).status_code == 404
    kept = client.get(reverse("referral_detail", args=[referral.pk])).content.decode()
    assert "叉车驾驶" in kept and EMPLOYER in kept
    assert person.name in client.get(reverse("referral_list")).content.decode()
    assert list(
        CaseEvent.objects.filter(episode=episode, kind__startswith="referral")
        .order_by("id")
        .values_list("kind", flat=True)
    ) == [
        "referral",
        "referral_accepted",
        "referral_outcome",
        "referral_outcome",
        "referral_outcome",
        "referral_closed",
    ]


def test_assistance_referral_declined_by_civil_affairs_and_no_outcome_afterwards(client, world):
    """民政 declines with a reason (戒毒条例 art 4; rules.md §3.3): the referral ends, an outcome on
    it is refused with a clear message, and 民政 loses access to the person."""
    person, _episode = active(world)
    civil = world["civil_affairs1_user"]
    referral = refer(client, world, person, Referral.Kind.ASSISTANCE, needs="家庭困难，申请低保")
    assert referral.agency == world["civil_affairs1"]
    client.force_login(civil)
    assert client.get(reverse("person_detail", args=[person.pk])).status_code == 200
    response = decide(client, civil, referral, "decline")
    assert any("不予受理须填写理由" in m for m in messages_of(response))
    referral.refresh_from_db()
    assert referral.status == Referral.Status.REFERRED
    response = decide(client, civil, referral, "decline", reason="户籍不在本镇，请向户籍地申请")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DECLINED
    assert referral.decline_reason == "户籍不在本镇，请向户籍地申请"
    assert referral.closed_on == timezone.localdate()
    assert client.get(reverse("person_detail", args=[person.pk])).status_code == 404

    response = outcome(client, civil, referral, kind="dibao", amount="600")
    assert "该转介已不予受理，不能登记结果。" in messages_of(response)
    assert not ReferralOutcome.objects.exists()
    response = decide(client, civil, referral, "accept")
    assert any("不能重复受理" in m for m in messages_of(response))
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DECLINED
    assert CaseEvent.objects.filter(person=person, kind="referral_declined").count() == 1
    assert not CaseEvent.objects.filter(person=person, kind="referral_accepted").exists()


def test_assistance_referral_with_a_dibao_outcome_shows_on_the_person_page(client, world):
    """民政 accepts and grants 最低生活保障 with its amount; the outcome shows on the person's page to
    the readers of assistance records (rules.md §3.3); a second acceptance is refused."""
    person, _episode = active(world)
    civil = world["civil_affairs1_user"]
    referral = refer(client, world, person, Referral.Kind.ASSISTANCE, needs="无收入来源")
    decide(client, civil, referral, "accept")
    response = decide(client, civil, referral, "accept")
    assert "该转介已处理（已受理），不能重复受理。" in messages_of(response)
    response = outcome(client, civil, referral, kind="dibao")
    assert response.status_code == 200 and not ReferralOutcome.objects.exists()  # amount required
    response = outcome(client, civil, referral, kind="training")  # not a 民政 outcome
    assert not ReferralOutcome.objects.exists()
    outcome(client, civil, referral, kind="dibao", amount="650.00", note="每月")
    dibao = ReferralOutcome.objects.get()
    assert (dibao.kind, dibao.amount, dibao.recorded_by) == ("dibao", Decimal("650.00"), civil)

    client.force_login(world["work_station1_user"])
    page = client.get(reverse("person_support", args=[person.pk])).content.decode()
    assert "最低生活保障" in page and "650.00" in page
    client.force_login(civil)
    page = client.get(reverse("person_support", args=[person.pk])).content.decode()
    assert "最低生活保障" in page
    for outsider in ("police1_user", "human_resources1_user", "civil_affairs2_user", "work_station2_user"):
        client.force_login(world[outsider])
        assert client.get(reverse("referral_detail", args=[referral.pk])).status_code == 404
        assert (
            client.post(
                reverse("referral_close", args=[referral.pk]), {"closed_on": "2026-01-01"}
            ).status_code
            == 404
        )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED


def test_bad_referral_input_changes_nothing(world):
    """Only the work station refers; only the target agency handles; no outcome before acceptance."""
    person, episode = active(world)
    today = timezone.localdate()
    with pytest.raises(RecordRefused):
        services.referral_create(
            actor=world["police1_user"],
            episode=episode,
            kind=Referral.Kind.EMPLOYMENT,
            needs="需求",
            on=today,
        )
    referral = services.referral_create(
        actor=world["work_station1_user"],
        episode=episode,
        kind=Referral.Kind.EMPLOYMENT,
        needs="需求",
        on=today,
    )
    with pytest.raises(RecordRefused, match="未办结的同类转介"):
        services.referral_create(
            actor=world["work_station1_user"],
            episode=episode,
            kind=Referral.Kind.EMPLOYMENT,
            needs="再次",
            on=today,
        )
    with pytest.raises(RecordRefused, match="只有被转介的单位"):
        services.referral_accept(actor=world["civil_affairs1_user"], referral=referral, on=today)
    with pytest.raises(RecordRefused, match="待受理"):
        services.outcome_record(
            actor=world["human_resources1_user"], referral=referral, kind="job_guidance", on_date=today
        )
    with pytest.raises(RecordRefused, match="不能晚于今天"):
        services.referral_accept(
            actor=world["human_resources1_user"], referral=referral, on=today + timedelta(days=1)
        )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.REFERRED and referral.accepted_on is None
    assert Referral.objects.count() == 1
    Episode.objects.filter(pk=episode.pk).update(status=Episode.Status.COMPLETED)
    episode.refresh_from_db()
    with pytest.raises(RecordRefused):
        services.referral_create(
            actor=world["work_station1_user"],
            episode=episode,
            kind=Referral.Kind.ASSISTANCE,
            needs="需求",
            on=today,
        )


def test_agency_referral_list_query_count_does_not_grow(client, world):
    """转介事项 costs the same for 2 referrals and for 12."""
    hr = world["human_resources1_user"]
    today = timezone.localdate()

    def add(n):
        for _ in range(n):
            _person, episode = active(world)
            services.referral_create(
                actor=world["work_station1_user"],
                episode=episode,
                kind=Referral.Kind.EMPLOYMENT,
                needs="需求",
                on=today,
            )

    def measure():
        client.get(reverse("referral_list"))
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("referral_list"))
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.context["page"].object_list)

    client.force_login(hr)
    add(2)
    small, rows_small = measure()
    add(10)
    large, rows_large = measure()
    assert (rows_small, rows_large) == (2, 12)
    # session, user, staff post, count, page (+ whatever base.html's context adds, the same both times)
    assert small == large, (small, large)
    for username in ("police1_user", "work_station1_user", "sup1_user"):
        client.force_login(world[username])
        assert client.get(reverse("referral_list")).status_code == 404


def test_support_tab_query_count_does_not_grow_and_the_person_page_adds_none(client, world):
    """The 认定与帮扶 tab costs the same for 1 referral with 1 outcome and 4 with 3 each; the
    person page itself reads none of it (its own pin stays in tests/workflows/test_pages.py)."""
    today = timezone.localdate()
    person, episode = active(world)
    ws, hr = world["work_station1_user"], world["human_resources1_user"]

    def add(n_outcomes):
        referral = services.referral_create(
            actor=ws, episode=episode, kind=Referral.Kind.EMPLOYMENT, needs="需求", on=today
        )
        services.referral_accept(actor=hr, referral=referral, on=today)
        for _ in range(n_outcomes):
            services.outcome_record(actor=hr, referral=referral, kind="job_guidance", on_date=today)
        services.referral_close(actor=hr, referral=referral, on=today)

    def measure():
        url = reverse("person_support", args=[person.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    client.force_login(ws)
    add(1)
    small = measure()
    for _ in range(3):
        add(3)
    large = measure()
    # session, user, staff post, person, grants on the person, access-log insert, certifications,
    # open episode, referrals, outcomes
    assert small == large == 10, (small, large)
    assert 'id="referrals"' not in client.get(reverse("person_detail", args=[person.pk])).content.decode()


def test_parties_without_the_right_get_404_on_every_referral_page(client, world):
    """A party that may not see the person, or may not act on the referral, gets 404 on each page
    and nothing changes (permissions.selectors is the one door)."""
    person, _episode = active(world)
    referral = refer(client, world, person, Referral.Kind.EMPLOYMENT)
    today = timezone.localdate().isoformat()
    for outsider in ("police2_user", "work_station2_user", "human_resources2_user", "civil_affairs1_user"):
        client.force_login(world[outsider])
        assert client.get(reverse("person_support", args=[person.pk])).status_code == 404
        assert client.get(reverse("referral_detail", args=[referral.pk])).status_code == 404
        assert client.get(reverse("referral_outcome_new", args=[referral.pk])).status_code == 404
        response = client.post(
            reverse("referral_decide", args=[referral.pk]), {"decision": "accept", "on": today}
        )
        assert response.status_code == 404
    # Only the work station acting on the person refers (police1 and 人社 see the person).
    for username in ("police1_user", "human_resources1_user", "work_station2_user"):
        client.force_login(world[username])
        response = client.post(
            reverse("referral_new", args=[person.pk]),
            {"kind": "assistance", "referred_on": today, "needs": "需求"},
        )
        assert response.status_code == 404
    referral.refresh_from_db()
    assert referral.status == Referral.Status.REFERRED
    assert Referral.objects.count() == 1


def test_reading_a_referral_is_access_logged(client, world):
    """The referral page shows the person's training or assistance records: one access-log row."""
    person, _episode = active(world)
    referral = refer(client, world, person, Referral.Kind.ASSISTANCE)
    client.force_login(world["civil_affairs1_user"])
    before = AccessLog.objects.count()
    assert client.get(reverse("referral_detail", args=[referral.pk])).status_code == 200
    log = AccessLog.objects.order_by("-id").first()
    assert AccessLog.objects.count() == before + 1
    assert (log.user, log.person_id, log.record_types) == (
        world["civil_affairs1_user"],
        person.pk,
        "assistance",
    )


def test_agency_referral_list_query_count_is_pinned(client, world, django_assert_max_num_queries):
    """转介事项 with 12 referrals stays within its pinned count."""
    today = timezone.localdate()
    for _ in range(12):
        _person, episode = active(world)
        services.referral_create(
            actor=world["work_station1_user"],
            episode=episode,
            kind=Referral.Kind.EMPLOYMENT,
            needs="需求",
            on=today,
        )
    client.force_login(world["human_resources1_user"])
    client.get(reverse("referral_list"))
    with django_assert_max_num_queries(5):
        assert client.get(reverse("referral_list")).status_code == 200
