"""The seeded demo as its users meet it, on whichever database the suite runs (the SQLite pass
included): every demo role logs in with the printed password and opens every page of its
navigation and every oversight page without a server error; the seeded hand-overs that wait
for the police carry the police's open step, as one made through the app."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from viewflow.workflow.models import Task

from casework.models import CaseEvent, Episode, HandOver
from workflows.flows import POLICE

pytestmark = pytest.mark.django_db

PASSWORD = "demo-pass-2026"
ROLES = [
    "sw_chengguan",
    "ws_chengguan",
    "police_chengguan",
    "judicial_chengguan",
    "hr_chengguan",
    "civil_chengguan",
    "sup_chengguan",
    "sup_county",
    "ws_heping",
    "police_heping",
]
OVERSIGHT = [
    "overdue_audit",
    "overdue_export",
    "rates",
    "rates_export",
    "drugfree_assessment",
    "monthly_report",
]


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--persons", "60", verbosity=0)
    call_command("scan_obligations", verbosity=0)
    call_command("refresh_figures", verbosity=0)


def _log_in(client, username):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, f"{username} could not log in"


def _nav_links(html: str) -> list[str]:
    nav = re.search(r"<nav[^>]*>(.*?)</nav>", html, re.S)
    assert nav, "no navigation on the home page"
    return [href for href in re.findall(r'href="([^"#]+)"', nav.group(1)) if href.startswith("/")]


def _pages_of(client, username) -> dict[str, int]:
    """Every page of the role's navigation and every oversight page (with each drill-down of the
    overdue audit for a supervisor): URL -> status."""
    _log_in(client, username)
    home = client.get(reverse("home"))
    assert home.status_code == 200, username
    links = _nav_links(home.content.decode())
    assert reverse("my_tasks") in links and reverse("person_list") in links, username
    urls = links + [reverse(name) for name in OVERSIGHT]
    answers = {url: client.get(url).status_code for url in urls}
    if username.startswith("sup_"):
        page = client.get(reverse("overdue_audit")).content.decode()
        drills = sorted(set(re.findall(r'href="(\?region=[^"]+)"', page)))
        for query in drills:
            url = reverse("overdue_audit") + query.replace("&amp;", "&")
            answers[url] = client.get(url).status_code
    client.logout()
    return answers


def test_every_demo_role_opens_its_navigation_and_the_oversight_pages(client, demo):
    """One seeded demo, every role in turn: its navigation answers 200; the oversight pages answer
    200 for the supervisors and 404 (never a 5xx) for everyone else."""
    wrong = {}
    for username in ROLES:
        answers = _pages_of(client, username)
        oversight = {reverse(name) for name in OVERSIGHT}
        supervisor = username.startswith("sup_")
        if supervisor:
            assert oversight - {reverse("overdue_export"), reverse("rates_export")} <= set(answers), username
        expected = {url: 200 if supervisor or url not in oversight else 404 for url in answers}
        if answers != expected:
            wrong[username] = {url: code for url, code in answers.items() if code != expected[url]}
    assert wrong == {}


def test_each_waiting_hand_over_has_its_open_police_step(client, demo):
    """戒毒条例 art 21, 禁毒法 art 38: the police station decides on the package; until it does, the
    hand-over flow waits at the police's step, which shows on the 违规与外出 tab as a button."""
    waiting = list(
        HandOver.objects.filter(received_on__isnull=True, episode__status=Episode.Status.VIOLATION_REPORTED)
        .select_related("episode")
        .order_by("pk")
    )
    assert len(waiting) == 4
    steps = {
        t.process.artifact_object_id: (t.status, t.owner_permission)
        for t in Task.objects.filter(
            flow_task_type="HUMAN", process__flow_class__endswith="BreachHandOverFlow"
        )
        .exclude(status="DONE")
        .select_related("process")
    }
    assert steps == {h.episode_id: ("NEW", POLICE) for h in waiting}
    done = Task.objects.filter(
        process__flow_class__endswith="BreachHandOverFlow", flow_task_type="HUMAN", status="DONE"
    )
    assert sorted(done.values_list("process__artifact_object_id", flat=True)) == sorted(
        h.episode_id for h in waiting
    )
    # The police of the township see the step and its button on the person's 违规与外出 tab.
    chengguan = [h for h in waiting if h.episode.township.name.startswith("城关")]
    assert chengguan
    _log_in(client, "police_chengguan")
    tasks = client.get(reverse("my_tasks")).content.decode()
    for handover in chengguan:
        page = client.get(reverse("person_breaches", args=[handover.episode.person_id])).content.decode()
        task = Task.objects.get(
            process__artifact_object_id=handover.episode_id,
            process__flow_class__endswith="BreachHandOverFlow",
            status="NEW",
        )
        assert reverse("task_page", args=[task.pk]) in page
        assert reverse("task_page", args=[task.pk]) in tasks


def test_seeded_history_is_dated_the_days_it_happened(demo):
    """A three-year case reads over three years: seeded lines go back years, each recorded on the
    day it happened, a decision's registration on the day it was served."""
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    events = list(CaseEvent.objects.values_list("kind", "happened_on", "at"))
    assert events
    assert min(day for _, day, _ in events) < today - timedelta(days=2 * 365)
    assert [e for e in events if timezone.localtime(e[2]).date() != e[1]] == []
    assert len({day for _, day, _ in events}) > len(events) // 3
    registered = dict(Episode.objects.values_list("pk", "served_on"))
    for episode_id, day in CaseEvent.objects.filter(kind="registered").values_list(
        "episode_id", "happened_on"
    ):
        assert day == registered[episode_id]
