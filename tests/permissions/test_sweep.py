"""Sweep: every user scope requests every person and record URL of the demo township.

Allowed ones answer 200, the rest 404, nothing else (no 403, no 500, no redirect).
"""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from viewflow.workflow.models import Task

from casework.models import Episode, Person
from permissions import selectors
from permissions.models import RecordType

pytestmark = pytest.mark.django_db

USERS = [
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
    "admin",
]


def test_every_url_answers_200_or_404_as_the_selectors_say(client):
    call_command("seed_demo", "--persons", "60", verbosity=0)
    persons = list(Person.objects.order_by("pk"))
    episodes = list(Episode.objects.order_by("pk"))
    with_agreement = set(Episode.objects.filter(agreements__isnull=False).values_list("pk", flat=True))
    with_plan = set(Episode.objects.filter(plans__isnull=False).values_list("pk", flat=True))
    tasks = list(Task.objects.filter(flow_task_type="HUMAN", status="NEW"))
    checked = 0
    for username in USERS:
        user = User.objects.get(username=username)
        client.force_login(user)
        visible = set(selectors.visible_persons(user).values_list("pk", flat=True))
        staff = selectors.staff_for(user)
        supervisor = staff is not None and staff.agency.kind == "drug_control"
        for person in persons:
            seen = person.pk in visible
            types = selectors.record_types_for(user, person) if seen else set()
            expected = {
                reverse("person_detail", args=[person.pk]): seen,
                reverse("person_records", args=[person.pk]): seen,
                reverse("person_reveal", args=[person.pk]): RecordType.IDENTIFIERS in types,
                reverse("person_access", args=[person.pk]): seen and supervisor,
            }
            for url, allowed in expected.items():
                code = client.get(url).status_code
                assert code == (200 if allowed else 404), (username, url, code)
                checked += 1
        for episode in episodes:
            seen = episode.person_id in visible
            for name, documented in (("agreement_print", with_agreement), ("plan_print", with_plan)):
                code = client.get(reverse(name, args=[episode.pk])).status_code
                assert code == (200 if seen and episode.pk in documented else 404), (
                    username,
                    name,
                    episode.pk,
                    code,
                )
                checked += 1
        actionable = set(selectors.actionable_tasks(user).values_list("pk", flat=True))
        for task in tasks:
            code = client.get(reverse("task_page", args=[task.pk])).status_code
            assert code == (200 if task.pk in actionable else 404), (username, task.pk, code)
            checked += 1
    print(f"\nsweep: {checked} requests checked")
    assert checked > 3000
