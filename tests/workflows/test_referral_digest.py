"""Referrals in the daily digest and their escalation: a 人社所's or 民政办's digest counts the
referrals its 我的待办 lists, and a referral left unanswered goes to the office's head and the
township's 禁毒办, once.

rules.md §3.2-3.3 (referrals to 人社 and 民政: 禁毒法 art 34 para 2; 戒毒条例 arts 4, 18, 39),
§2.3 (the reminder ladder) and §4.4 (the 禁毒办 supervises). rules.md names no period for
answering a referral; the 7 days are the project's choice (docs/decisions.md).
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import Obligation, Referral, Staff
from notifications.models import Notification
from notifications.services import notifications_send
from tests import factories as f
from workflows.branches import referrals as services

pytestmark = pytest.mark.django_db

EMPLOYMENT, ASSISTANCE = Referral.Kind.EMPLOYMENT, Referral.Kind.ASSISTANCE


def day_label(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@pytest.fixture
def open_referrals(world):
    """Township 1: to 人社 one referral 10 days old, one 2 days old and one accepted without an
    outcome (made 9 days ago); to 民政 one 3 days old and one 8 days old. Township 2: one to 人社,
    20 days old. Each office has a head besides its member; the work station holds a test due
    tomorrow on the first person's team."""
    w = world
    today = timezone.localdate()
    station1, station2 = w["work_station1_user"], w["work_station2_user"]
    people = [f.person_with_episode(w["c1"], served_on=today - timedelta(days=100)) for _ in range(4)]
    far = f.person_with_episode(w["c2"], served_on=today - timedelta(days=100))

    def refer(actor, person, kind, age):
        return services.referral_create(
            actor=actor,
            episode=person.episodes.get(),
            kind=kind,
            needs="无业，希望得到帮扶",
            on=today - timedelta(days=age),
        )

    r = {
        "hr_old": refer(station1, people[0], EMPLOYMENT, 10),
        "hr_new": refer(station1, people[1], EMPLOYMENT, 2),
        "hr_accepted": refer(station1, people[2], EMPLOYMENT, 9),
        "ca_new": refer(station1, people[0], ASSISTANCE, 3),
        "ca_old": refer(station1, people[3], ASSISTANCE, 8),
        "hr_far": refer(station2, far, EMPLOYMENT, 20),
    }
    services.referral_accept(
        actor=w["human_resources1_user"], referral=r["hr_accepted"], on=today - timedelta(days=8)
    )
    episode = people[0].episodes.get()
    f.add_member(people[0], station1, "community")
    Obligation.objects.create(
        episode=episode,
        person=people[0],
        kind="drug_test",
        sequence=1,
        programme_year=1,
        due_from=today - timedelta(days=20),
        due_by=today + timedelta(days=1),
        township_id=episode.township_id,
        status="pending",
    )
    heads = {
        "hr_head1": f.staff_user(w["human_resources1"], username="hr_head1", role=Staff.Role.HEAD),
        "ca_head1": f.staff_user(w["civil_affairs1"], username="ca_head1", role=Staff.Role.HEAD),
        "hr_head2": f.staff_user(w["human_resources2"], username="hr_head2", role=Staff.Role.HEAD),
    }
    return {**r, **heads}


def tasks_referrals(client, user) -> tuple[int, set[int]]:
    """Return the 待办转介 tile's number on the user's 我的待办 and the referrals its list links."""
    client.force_login(user)
    html = client.get(reverse("my_tasks")).content.decode()
    client.logout()
    tile = re.search(r'<span class="num">(\d+)</span><span>待办转介</span>', html)
    assert tile is not None, html[:2000]
    link = re.escape(reverse("referral_detail", args=[987654321])).replace("987654321", r"(\d+)")
    linked = {int(pk) for pk in re.findall(f'href="{link}"', html)}
    return int(tile.group(1)), linked


def digest_referrals(user, day) -> int | None:
    """Return the number of referrals a user's digest of `day` counts (None: no digest)."""
    digest = Notification.objects.filter(user=user, kind="digest", created_on=day).first()
    if digest is None:
        return None
    found = re.search(r"待办转介 (\d+) 项", digest.text)
    return int(found.group(1)) if found else 0


def test_digest_of_hr_and_civil_affairs_counts_what_their_tasks_list(client, world, open_referrals):
    """rules.md §3.2-3.3: a 人社 and a 民政 user's digest counts exactly the referrals waiting on
    their 我的待办 (not yet answered, or accepted without being closed), of their own office only."""
    r = open_referrals
    today = timezone.localdate()
    notifications_send(today)
    expected = {
        "human_resources1_user": {r["hr_old"].pk, r["hr_new"].pk, r["hr_accepted"].pk},
        "civil_affairs1_user": {r["ca_new"].pk, r["ca_old"].pk},
        "human_resources2_user": {r["hr_far"].pk},
    }
    for name, pks in expected.items():
        user = world[name]
        tile, linked = tasks_referrals(client, user)
        assert linked == pks, name
        assert tile == len(pks) == digest_referrals(user, today), name
    text = Notification.objects.get(user=world["human_resources1_user"], kind="digest").text
    assert text == "每日待办：待办转介 3 项。请到“我的待办”办理。"
    # A head acts for the office too: the same list, the same count.
    assert tasks_referrals(client, r["hr_head1"])[0] == digest_referrals(r["hr_head1"], today) == 3


def test_an_answered_referral_leaves_the_tasks_and_the_digest(client, world, open_referrals):
    """rules.md §3.2-3.3: declined or closed, a referral is no longer the office's work: it leaves
    我的待办 and the next digest; an office with nothing left gets no digest."""
    r = open_referrals
    today = timezone.localdate()
    hr, ca = world["human_resources1_user"], world["civil_affairs1_user"]
    services.referral_decline(actor=hr, referral=r["hr_new"], on=today, reason="本人已就业")
    services.referral_close(actor=hr, referral=r["hr_accepted"], on=today)
    services.referral_decline(actor=ca, referral=r["ca_new"], on=today, reason="不符合条件")
    services.referral_decline(actor=ca, referral=r["ca_old"], on=today, reason="不符合条件")
    tomorrow = today + timedelta(days=1)
    notifications_send(tomorrow)
    assert tasks_referrals(client, hr) == (1, {r["hr_old"].pk})
    assert digest_referrals(hr, tomorrow) == 1
    assert tasks_referrals(client, ca) == (0, set())
    assert digest_referrals(ca, tomorrow) is None


def escalated() -> set[tuple[str, int]]:
    return {
        (n.user.username, n.referral_id)
        for n in Notification.objects.filter(kind="escalation", referral__isnull=False).select_related("user")
    }


def test_an_unanswered_referral_escalates_once_to_the_receiving_head_and_the_township(
    client, world, open_referrals
):
    """rules.md §2.3 and §4.4: a referral neither accepted nor declined for more than 7 days (the
    project's default) goes to the head of the office it was made to and to the township's 禁毒办,
    once; an accepted one does not escalate, and a region's own limit is followed."""
    r = open_referrals
    today = timezone.localdate()
    _digests, escalations = notifications_send(today)
    expected = {
        ("hr_head1", r["hr_old"].pk),
        ("sup1", r["hr_old"].pk),
        ("ca_head1", r["ca_old"].pk),
        ("sup1", r["ca_old"].pk),
        ("hr_head2", r["hr_far"].pk),
        ("sup2", r["hr_far"].pk),
    }
    assert escalations == len(expected)
    assert escalated() == expected
    text = Notification.objects.get(user=r["hr_head1"], kind="escalation").text
    assert text == (
        f"转介（就业培训(人社)，转介日期 {day_label(today - timedelta(days=10))}）"
        "已超过 7 天未受理，请单位负责人督促办理。"
    )
    sup_text = Notification.objects.get(user=world["sup1_user"], referral=r["ca_old"]).text
    assert sup_text == (
        f"转介（社会救助(民政)，转介日期 {day_label(today - timedelta(days=8))}）"
        "已超过 7 天未受理，请禁毒办督办。"
    )
    # The head's message opens the referral; the 禁毒办's is text only.
    client.force_login(r["hr_head1"])
    assert (
        reverse("referral_detail", args=[r["hr_old"].pk])
        in client.get(reverse("notifications")).content.decode()
    )
    client.force_login(world["sup1_user"])
    page = client.get(reverse("notifications")).content.decode()
    assert "请禁毒办督办" in page
    assert not any(reverse("referral_detail", args=[pk]) in page for _user, pk in expected)
    client.logout()

    assert notifications_send(today) == (0, 0)
    assert notifications_send(today + timedelta(days=1))[1] == 0
    assert escalated() == expected
    # Township 1 allows one day: its 2- and 3-day-old referrals now escalate; the accepted one never.
    world["t1"].escalate_referral_days = 1
    world["t1"].save(update_fields=["escalate_referral_days"])
    assert notifications_send(today + timedelta(days=2))[1] == 4
    assert escalated() == expected | {
        ("hr_head1", r["hr_new"].pk),
        ("sup1", r["hr_new"].pk),
        ("ca_head1", r["ca_new"].pk),
        ("sup1", r["ca_new"].pk),
    }


def test_other_parties_digests_are_unchanged(world, open_referrals):
    """rules.md §4.3: referrals are 人社's and 民政's work only; the work station's digest reads as
    before, and the parties with nothing due get none."""
    today = timezone.localdate()
    notifications_send(today)
    station = Notification.objects.get(user=world["work_station1_user"], kind="digest")
    assert station.text == "每日待办：3天内到期 1 项，已逾期 0 项。请到“我的待办”办理。"
    for name in ("police1_user", "judicial1_user", "sw1_user", "work_station2_user", "sup1_user"):
        assert not Notification.objects.filter(user=world[name], kind="digest").exists(), name
