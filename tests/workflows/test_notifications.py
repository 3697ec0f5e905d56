"""In-app notifications: the daily digest, escalations with region settings, the 消息 page."""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse

from casework.models import Obligation, Staff
from casework.selectors import region_setting
from notifications.models import Notification
from notifications.services import escalation_days, notifications_send
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 10)


def obligation(person, kind, due_by, status):
    episode = person.episodes.get()
    return Obligation.objects.create(
        episode=episode,
        person=person,
        kind=kind,
        sequence=1,
        programme_year=1,
        due_from=due_by - timedelta(days=30),
        due_by=due_by,
        township_id=episode.township_id,
        status=status,
    )


@pytest.fixture
def known(world):
    """Township 1: A (team: sw1, work_station1; police1 left the team) has a test due in 2 days and a
    talk 10 days overdue; B (team: sw1) has a test due in 5 days, a visit 1 day overdue and a
    hand-over 3 days overdue; C (no team) has a test 5 days overdue. Township 2: D has a test 5 days
    overdue. Heads: head1 at work station 1, head2 at work station 2."""
    w = world
    a = f.person_with_episode(w["c1"])
    b = f.person_with_episode(w["c1b"])
    c = f.person_with_episode(w["c1"])
    d = f.person_with_episode(w["c2"])
    f.add_member(a, w["sw1_user"], "community")
    f.add_member(a, w["work_station1_user"], "community")
    f.add_member(a, w["police1_user"], "police", end=TODAY - timedelta(days=1))
    f.add_member(b, w["sw1_user"], "community")
    items = {
        "a_due": obligation(a, "drug_test", TODAY + timedelta(days=2), "pending"),
        "a_late": obligation(a, "talk", TODAY - timedelta(days=10), "overdue"),
        "b_later": obligation(b, "drug_test", TODAY + timedelta(days=5), "pending"),
        "b_late": obligation(b, "home_visit", TODAY - timedelta(days=1), "overdue"),
        "b_handover": obligation(b, "handover", TODAY - timedelta(days=3), "overdue"),
        "c_late": obligation(c, "drug_test", TODAY - timedelta(days=5), "overdue"),
        "d_late": obligation(d, "drug_test", TODAY - timedelta(days=5), "overdue"),
    }
    heads = {
        "head1": f.staff_user(w["work_station1"], username="head1", role=Staff.Role.HEAD),
        "head2": f.staff_user(w["work_station2"], username="head2", role=Staff.Role.HEAD),
    }
    return {**items, **heads}


def digests():
    return {
        (n.user.username, n.text)
        for n in Notification.objects.filter(kind="digest", created_on=TODAY).select_related("user")
    }


def escalations():
    return {
        (n.user.username, n.obligation_id)
        for n in Notification.objects.filter(kind="escalation").select_related("user")
    }


def test_one_digest_a_user_with_exact_counts_and_none_twice(world, known):
    """rules.md §2.3 step 1: the responsible staff are reminded of what is due and overdue."""
    digest_count, _escalations = notifications_send(TODAY)
    assert digest_count == 2
    assert digests() == {
        ("sw1", "每日待办：3天内到期 1 项，已逾期 3 项。请到“我的待办”办理。"),
        ("work_station1", "每日待办：3天内到期 1 项，已逾期 1 项。请到“我的待办”办理。"),
    }
    total = Notification.objects.count()
    assert notifications_send(TODAY) == (0, 0)
    assert Notification.objects.count() == total
    # The next day brings new digests; of escalations only B's hand-over, now 4 days overdue.
    assert notifications_send(TODAY + timedelta(days=1)) == (2, 1)


def test_escalation_to_head_and_supervisor_after_default_days(world, known):
    """rules.md §2.3: overdue more than 3 days (default) -> the work station's head; more than 7
    days -> the township's 禁毒办. Exactly 3 days overdue is not yet "more than 3"."""
    notifications_send(TODAY)
    k = known
    assert escalations() == {
        ("head1", k["a_late"].pk),  # 10 days
        ("head1", k["c_late"].pk),  # 5 days
        ("head2", k["d_late"].pk),  # 5 days, township 2
        ("sup1", k["a_late"].pk),  # 10 days > 7
    }
    text = Notification.objects.get(user=k["head1"], obligation=k["a_late"]).text
    assert text == "谈心谈话（截止 2025年5月31日）逾期已超过 3 天，请单位负责人督促办理。"
    # No one outside the ladder is told: not the county 禁毒办, not the other township's.
    assert not Notification.objects.filter(
        kind="escalation", user__in=[world["county_sup_user"], world["sup2_user"]]
    ).exists()


def test_escalation_follows_region_settings_with_inheritance(world, known):
    """Settings per region: the county says 6 days for heads, township 2 overrides both with 4."""
    world["county"].escalate_head_days = 6
    world["county"].save(update_fields=["escalate_head_days"])
    world["t2"].escalate_head_days = 4
    world["t2"].escalate_supervisor_days = 4
    world["t2"].save(update_fields=["escalate_head_days", "escalate_supervisor_days"])
    days = escalation_days()
    for township in (world["t1"], world["t2"]):
        township.refresh_from_db()
        assert days[township.pk] == (
            region_setting(township, "escalate_head_days", 3),
            region_setting(township, "escalate_supervisor_days", 7),
        )
    assert days[world["t1"].pk] == (6, 7) and days[world["t2"].pk] == (4, 4)
    notifications_send(TODAY)
    k = known
    assert escalations() == {
        ("head1", k["a_late"].pk),  # 10 > 6; C's 5 days are not more than 6
        ("sup1", k["a_late"].pk),
        ("head2", k["d_late"].pk),  # 5 > 4
        ("sup2", k["d_late"].pk),  # 5 > 4
    }
    # Raising the limit later never sends more; a lower one sends the newly due ones only.
    world["county"].escalate_head_days = 2
    world["county"].save(update_fields=["escalate_head_days"])
    assert notifications_send(TODAY)[1] == 2  # head1: C (5 days) and B's hand-over (3 days)


def test_scan_command_sends_notifications(world, known, capsys):
    call_command("scan_obligations", "--as-of", TODAY.isoformat())
    out = capsys.readouterr().out
    assert "2 digest(s) and 4 escalation(s) sent" in out
    call_command("scan_obligations", "--as-of", TODAY.isoformat())
    assert "0 digest(s) and 0 escalation(s) sent" in capsys.readouterr().out


def test_messages_page_lists_own_notifications_and_marks_read(client, world, known):
    notifications_send(TODAY)
    client.force_login(world["sw1_user"])
    page = client.get(reverse("notifications"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "已逾期 3 项" in body
    assert 'class="nav-unread"' in body  # the unread count in the top bar
    assert "逾期已超过" not in body  # head1's escalations are not sw1's
    mine = Notification.objects.get(user=world["sw1_user"])
    other = Notification.objects.filter(user=known["head1"]).first()
    assert client.post(reverse("notification_read", args=[other.pk])).status_code == 404
    response = client.post(reverse("notification_read", args=[mine.pk]))
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert 'class="nav-unread"' not in client.get(reverse("notifications")).content.decode()


def test_mark_all_read(client, world, known):
    notifications_send(TODAY)
    client.force_login(known["head1"])
    assert Notification.objects.filter(user=known["head1"], read_at__isnull=True).count() == 2
    client.post(reverse("notifications_read_all"))
    assert not Notification.objects.filter(user=known["head1"], read_at__isnull=True).exists()
    assert Notification.objects.filter(user=world["sw1_user"], read_at__isnull=True).exists()


def test_escalation_names_the_person_only_if_visible(client, world, known):
    """A message about an obligation names its person and links to the file only if the reader may
    see the person: sw1 is on A's team, not on C's (e.g. a message kept after leaving a team)."""
    from permissions import selectors

    sw1 = world["sw1_user"]
    a, c = known["a_late"].person, known["c_late"].person
    visible = set(selectors.visible_persons(sw1).values_list("pk", flat=True))
    assert a.pk in visible and c.pk not in visible
    for late in (known["a_late"], known["c_late"]):
        Notification.objects.create(
            user=sw1, kind="escalation", obligation=late, text="督办", created_on=TODAY
        )
    client.force_login(sw1)
    body = client.get(reverse("notifications")).content.decode()
    assert body.count("督办</p>") == 2  # both messages are listed
    assert a.name in body and reverse("person_detail", args=[a.pk]) in body
    assert c.name not in body and reverse("person_detail", args=[c.pk]) not in body


def test_messages_page_query_count_is_flat(client, world, known, django_assert_max_num_queries):
    """The page costs the same with 2 escalations as with 20 (names in one query through the one door)."""
    notifications_send(TODAY)
    head1 = known["head1"]
    client.force_login(head1)
    client.get(reverse("notifications"))
    with django_assert_max_num_queries(8) as few:
        assert client.get(reverse("notifications")).status_code == 200
    for _ in range(18):
        person = f.person_with_episode(world["c1"])
        f.add_member(person, world["work_station1_user"], "community")
        late = obligation(person, "talk", TODAY - timedelta(days=10), "overdue")
        Notification.objects.create(
            user=head1, kind="escalation", obligation=late, text="x", created_on=TODAY
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(reverse("notifications")).content.decode()
    assert body.count('class="notice') >= 20


def test_mark_read_goes_back_only_to_a_page_of_this_site(client, world, known):
    notifications_send(TODAY)
    client.force_login(world["sw1_user"])
    mine = Notification.objects.get(user=world["sw1_user"])
    url = reverse("notification_read", args=[mine.pk])
    assert client.post(url, {"next": "/messages/?page=2"}).url == "/messages/?page=2"
    for outside in ("https://evil.example/", "//evil.example/", "notifications-x"):
        Notification.objects.filter(pk=mine.pk).update(read_at=None)
        response = client.post(url, {"next": outside})
        assert response.status_code == 302 and response.url == reverse("notifications")
