"""Each party's own work: my tasks, the digest and escalations hold the duties of the party that
does them (obligations.parties, rules.md §4.3); referrals are the receiving office's work with a
message on arrival; the home page and the calendar show what is due at a flat query cost; the
police decide a hand-over on a page that shows its case."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.models import Breach, Episode, Obligation, Referral, Staff
from notifications.models import Notification
from notifications.services import notifications_send
from obligations.parties import DUTY_PARTY
from obligations.services import obligations_open_first
from tests import factories as f
from tests.workflows.test_breaches import confirm_test, open_task, post, record_test

pytestmark = pytest.mark.django_db


def duty(person, kind, due_by, status="pending"):
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


def active(world, community="c1", days_ago=100):
    start = timezone.localdate() - timedelta(days=days_ago)
    person = f.person_with_episode(world[community], served_on=start - timedelta(days=5))
    Episode.objects.filter(person=person).update(start_date=start, reported_on=start, status="active")
    return person


@pytest.fixture
def team(world):
    """Two persons of township 1, each with the social worker, the police officer and the judicial
    officer on the team, a test, a talk and a release notice due: one set overdue, one due soon."""
    today = timezone.localdate()
    persons = [active(world), active(world, "c1b")]
    for person in persons:
        for user, role in (
            (world["sw1_user"], "community"),
            (world["police1_user"], "police"),
            (world["judicial1_user"], "judicial"),
        ):
            f.add_member(person, user, role)
    for person, due_by, status in (
        (persons[0], today - timedelta(days=5), "overdue"),
        (persons[1], today + timedelta(days=2), "pending"),
    ):
        for kind in ("drug_test", "talk", "release"):
            duty(person, kind, due_by, status)
    return persons


def work_list(client, user, query=""):
    client.force_login(user)
    response = client.get(reverse("my_tasks") + query)
    assert response.status_code == 200
    return response


def digest_of(user, today):
    text = Notification.objects.get(user=user, kind="digest", created_on=today).text
    due, overdue = map(int, re.findall(r"(\d+) 项", text))
    return due, overdue


def test_each_party_sees_its_own_duties_and_its_digest_counts_them(client, world, team):
    """rules.md §4.3: the work station and social worker hold talks and arrange tests; the police
    issue the release notice (戒毒条例 art 23). My tasks shows each party its own duties only, the
    daily digest counts the same items, and the judicial office, which does none, gets neither."""
    today = timezone.localdate()
    notifications_send(today)
    expected = {
        "sw1_user": {"drug_test", "talk"},
        "police1_user": {"release"},
        "judicial1_user": set(),
    }
    for key, kinds in expected.items():
        user = world[key]
        response = work_list(client, user)
        items = response.context["items"]
        assert {o.kind for o in items} == kinds, key
        assert all(DUTY_PARTY[o.kind] == user.staff.agency.kind for o in items)
        html = response.content.decode()
        if key == "police1_user":
            assert "登记谈话" not in html and "登记检测" not in html
            assert "drug-tests/new" not in html and "talks/new" not in html
        counts = response.context["counts"]
        if kinds:
            due_soon = sum(
                1 for o in items if o.status == "pending" and o.due_by <= today + timedelta(days=3)
            )
            assert digest_of(user, today) == (due_soon, counts["overdue"]), key
            assert counts["overdue"] == len(kinds) and due_soon == len(kinds)
        else:
            assert not response.context["has_duties"]
            assert not Notification.objects.filter(user=user, kind="digest").exists()


def test_an_overdue_release_notice_is_escalated_to_the_police_head_not_the_station(world, team):
    """rules.md §2.3: a duty overdue past the region's limit goes to the head of the agency that does
    it: the release notice (戒毒条例 art 23) to the police station's head."""
    police_head = f.staff_user(world["police1"], username="policehead", role=Staff.Role.HEAD)
    station_head = f.staff_user(world["work_station1"], username="stationhead", role=Staff.Role.HEAD)
    notifications_send(timezone.localdate())
    escalated = set(
        Notification.objects.filter(kind="escalation").values_list("user__username", "obligation__kind")
    )
    assert ("policehead", "release") in escalated
    assert ("stationhead", "release") not in escalated
    assert {"drug_test", "talk"} <= {kind for user, kind in escalated if user == "stationhead"}
    assert not {kind for user, kind in escalated if user == "policehead"} - {"release"}
    assert police_head and station_head


def test_a_referral_is_the_receiving_offices_work_and_its_users_are_told(client, world):
    """禁毒法 art 34 para 2: the 人社所 receives the referral as a work item and a message; the 民政办
    is told nothing; once closed it leaves the work list."""
    person = active(world)
    client.force_login(world["work_station1_user"])
    response = client.post(
        reverse("referral_new", args=[person.pk]),
        {
            "kind": "employment",
            "referred_on": timezone.localdate().isoformat(),
            "needs": "无业",
            "skills": "",
        },
    )
    assert response.status_code == 302
    referral = Referral.objects.get()
    hr = world["human_resources1_user"]
    message = Notification.objects.get(user=hr, kind="referral")
    assert message.referral == referral and person.name not in message.text
    assert not Notification.objects.filter(user=world["civil_affairs1_user"]).exists()
    client.force_login(hr)
    page = client.get(reverse("notifications")).content.decode()
    assert reverse("referral_detail", args=[referral.pk]) in page
    client.get(reverse("referral_detail", args=[referral.pk]))
    message.refresh_from_db()
    assert message.read_at is not None  # opening the referral read its message
    listed = work_list(client, hr).context["referrals"]
    assert listed == [referral]
    client.post(
        reverse("referral_decide", args=[referral.pk]),
        {"decision": "accept", "on": timezone.localdate().isoformat(), "reason": ""},
    )
    referral.refresh_from_db()
    assert referral.status == "accepted"
    assert work_list(client, hr).context["referrals"] == [referral]
    Referral.objects.filter(pk=referral.pk).update(status="closed")
    assert work_list(client, hr).context["referrals"] == []
    assert work_list(client, world["civil_affairs1_user"]).context["referrals"] == []


def test_the_work_list_filters_by_bucket_and_kind_and_sorts_by_person(client, world, team):
    sw = world["sw1_user"]
    overdue = work_list(client, sw, "?due=overdue").context["items"]
    assert {(o.person_id, o.status) for o in overdue} == {(team[0].pk, "overdue")}
    week = work_list(client, sw, "?due=week&kind=talk").context["items"]
    assert [(o.person_id, o.kind) for o in week] == [(team[1].pk, "talk")]
    by_person = work_list(client, sw, "?sort=person").context["items"]
    names = [o.person.name for o in by_person]
    assert names == sorted(names)
    # A bad filter value is ignored with the list shown whole, never an error.
    assert len(work_list(client, sw, "?due=someday&sort=x").context["items"]) == 4


def test_home_page_shows_what_is_due_grouped_by_person_and_the_counts_open_the_list(client, world, team):
    sw = world["sw1_user"]
    client.force_login(sw)
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert {b: n for b, _label, n in response.context["buckets"]} == {
        "overdue": 2,
        "today": 0,
        "week": 2,
        "later": 0,
    }
    groups = response.context["due_groups"]
    assert [g.person_id for g in groups] == [team[0].pk, team[1].pk]
    assert all({o.kind for o in g.duties} == {"drug_test", "talk"} for g in groups)
    assert reverse("my_tasks") + "?due=overdue" in html
    assert f"{reverse('drug_test_new', args=[team[0].pk])}?obligation=" in html


def _queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["home", "my_tasks", "work_calendar"])
def test_home_work_list_and_calendar_cost_the_same_for_more_rows(client, world, name):
    """Home: session, user, staff, status counts, unreported, bucket counts, due rows, agency bucket
    counts, steps count. Work list: session, user, staff, steps, bucket counts, rows. Calendar:
    session, user, staff, rows."""
    user = world["work_station1_user"]
    client.force_login(user)
    today = timezone.localdate()

    def add(n):
        for _ in range(n):
            person = active(world)
            f.add_member(person, user, "community")
            duty(person, "drug_test", today + timedelta(days=1))
            duty(person, "talk", today - timedelta(days=2), "overdue")

    add(2)
    small = _queries(client, reverse(name))
    add(12)
    large = _queries(client, reverse(name))
    assert small == large == {"home": 9, "my_tasks": 5, "work_calendar": 4}[name], (small, large)


def test_the_work_lists_counts_are_the_whole_sets_with_or_without_a_filter(client, world):
    """Unfiltered, the rows carry the counts (a window over every duty, before the list's limit);
    filtered, the counts come from their own aggregate: both are the counts of all the duties."""
    from permissions.selectors import staff_for
    from workflows import work

    user = world["work_station1_user"]
    client.force_login(user)
    today = timezone.localdate()
    for _ in range(27):
        person = active(world)
        f.add_member(person, user, "community")
        duty(person, "drug_test", today + timedelta(days=1))
        duty(person, "talk", today - timedelta(days=2), "overdue")
    whole = client.get(reverse("my_tasks")).context
    narrowed = client.get(reverse("my_tasks") + "?due=overdue").context
    expected = work.bucket_counts(work.duties_mine(user, staff_for(user), today), today)
    assert expected["overdue"] >= 27 and expected["week"] >= 27
    assert whole["counts"] == narrowed["counts"] == expected
    assert len(whole["items"]) == 50 and whole["more_items"]
    assert len(narrowed["items"]) == expected["overdue"]
    # No duty at all: every count is nought, not missing.
    client.force_login(world["police1_user"])
    assert set(client.get(reverse("my_tasks")).context["counts"].values()) == {0}


def test_the_calendar_shows_the_duties_of_a_week_and_a_month(client, world, team):
    sw = world["sw1_user"]
    client.force_login(sw)
    today = timezone.localdate()
    soon = today + timedelta(days=2)
    week = client.get(reverse("work_calendar") + f"?view=week&on={soon.isoformat()}")
    days = [d for w in week.context["weeks"] for d in w]
    assert len(days) == 7 and days[0]["day"].weekday() == 0
    assert {o.kind for d in days if d["day"] == soon for line in d["persons"] for o in line["items"]} == {
        "drug_test",
        "talk",
    }
    month = client.get(reverse("work_calendar") + f"?on={today.isoformat()}")
    assert len([d for w in month.context["weeks"] for d in w]) % 7 == 0
    shown = {o.pk for w in month.context["weeks"] for d in w for line in d["persons"] for o in line["items"]}
    in_month = Obligation.objects.filter(
        person__in=team,
        kind__in=["drug_test", "talk"],
        due_by__gte=month.context["first"],
        due_by__lte=month.context["last"],
    )
    assert shown == set(in_month.values_list("pk", flat=True))
    assert client.get(reverse("work_calendar") + "?on=not-a-date").status_code == 200


def test_the_police_decide_a_hand_over_on_a_page_that_shows_its_case(client, world):
    """禁毒法 art 38; 戒毒条例 arts 20-21: the decision page shows the station's statement (the
    breaches), the counter, the dates, the materials and the print, with a multi-line reason."""
    person = active(world, days_ago=60)
    episode = person.episodes.get()
    obligations_open_first(episode)
    tests = [record_test(world, episode, "refused", days_ago=d) for d in (20, 10, 0)]
    for test in tests:
        confirm_test(client, world, person, test)
    today = timezone.localdate()
    post(
        client,
        world["work_station1_user"],
        reverse("task_page", args=[open_task(episode, "prepare").pk]),
        {"prepared_on": today.isoformat(), "documents": ["严重违反协议证明", "移交回执"]},
    )
    receive = open_task(episode, "receive")
    client.force_login(world["police1_user"])
    html = client.get(reverse("task_page", args=[receive.pk])).content.decode()
    handover = episode.handovers.get()
    assert "移交情况" in html and "严重违反协议证明、移交回执" in html
    assert reverse("handover_print", args=[handover.pk]) in html
    assert html.count("经核实，无正当理由") == Breach.objects.filter(episode=episode).count() == 3
    assert "逃避或拒绝检测" in html and "3 次" in html
    assert re.search(r'<textarea[^>]+name="decision_reason"', html)


def test_on_the_demo_each_role_holds_only_its_partys_work_and_its_digest_counts_it(client):
    """The seeded demo, every role: the duties on my tasks are all of the role's party (the police:
    release notices only, never a talk or a test); 人社 and 民政 hold the open referrals to their
    office; each digest counts what my tasks lists as due within 3 days and overdue."""
    from django.core.management import call_command

    from obligations.parties import duty_kinds_of
    from tests.workflows.test_demo_pages import ROLES, _log_in

    call_command("seed_demo", "--persons", "60", verbosity=0)
    call_command("scan_obligations", verbosity=0)
    today = timezone.localdate()
    notifications_send(today)
    counted = set()
    for username in ROLES:
        _log_in(client, username)
        response = client.get(reverse("my_tasks") + "?sort=due")
        client.logout()
        user = response.context["user"]
        kinds = set(duty_kinds_of(user.staff.agency.kind))
        items = response.context["items"]
        assert {o.kind for o in items} <= kinds, username
        if username.startswith("police_"):
            assert not {"drug_test", "talk", "home_visit"} & {o.kind for o in items}
            assert "登记谈话" not in response.content.decode()
        agency = user.staff.agency
        if agency.kind in ("human_resources", "civil_affairs"):
            open_referrals = Referral.objects.filter(agency=agency, status__in=["referred", "accepted"])
            assert {r.pk for r in response.context["referrals"]} == set(
                open_referrals.values_list("pk", flat=True)
            )
        counts = response.context["counts"]
        due_soon = sum(1 for o in items if o.status == "pending" and o.due_by <= today + timedelta(days=3))
        digest = Notification.objects.filter(user=user, kind="digest", created_on=today).first()
        if not response.context["more_items"] and (due_soon or counts["overdue"]):
            assert digest is not None, username
            assert digest_of(user, today) == (due_soon, counts["overdue"]), username
            counted.add(username)
        elif not (due_soon or counts["overdue"]):
            assert digest is None, username
            counted.add(username)
    # Every role was compared (a list cut at 50 rows could not be), the social worker with a digest.
    assert counted == set(ROLES) and Notification.objects.filter(user__username="sw_chengguan").exists()


def test_the_duties_checked_row_by_row_are_the_same_as_by_semi_join_for_every_party(world, team):
    """The per-row form of the record-type check (for lists narrowed to a team or a township)
    lets through exactly what the semi-join form does, for each party of the team and others."""
    from permissions.selectors import visible_obligations, visible_persons

    other = active(world, "c2")
    duty(other, "drug_test", timezone.localdate() + timedelta(days=3))
    users = [
        world[key]
        for key in (
            "sw1_user",
            "police1_user",
            "judicial1_user",
            "work_station1_user",
            "work_station2_user",
            "human_resources1_user",
            "sup1_user",
            "county_sup_user",
        )
    ]
    seen = set()
    for user in users:
        by_semi_join = set(visible_obligations(user).values_list("pk", flat=True))
        by_row = set(visible_obligations(user, per_row=True).values_list("pk", flat=True))
        assert by_row == by_semi_join, user
        # Started from the persons the user may see at all, as the API's duties are: the same.
        from_persons = visible_obligations(user, per_row=True).filter(
            person__in=visible_persons(user).values("pk")
        )
        assert set(from_persons.values_list("pk", flat=True)) == by_semi_join, user
        seen |= by_row
    assert len(seen) > 1
