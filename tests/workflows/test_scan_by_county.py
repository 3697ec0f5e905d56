"""The overdue scan restricted to one county: the same rules, only that county's obligations."""

from datetime import timedelta

import pytest
from django.utils import timezone

from casework.models import Obligation, Region
from obligations.models import Reminder, ScanRun
from obligations.services import obligations_scan
from tests.workflows.nightly_data import two_counties

pytestmark = pytest.mark.django_db


def test_each_county_marks_its_own_and_together_they_are_the_whole_scan():
    today = timezone.localdate()
    two_counties(today)
    first, second = Region.objects.filter(level=Region.Level.COUNTY).order_by("code")
    due = Obligation.objects.filter(status="pending", due_by__lt=today)
    in_first = set(due.filter(township__path__startswith=first.path).values_list("pk", flat=True))
    in_second = set(due.filter(township__path__startswith=second.path).values_list("pk", flat=True))
    assert in_first and in_second

    marked, reminders = obligations_scan(today, county=first)
    assert (marked, reminders) == (len(in_first), len(in_first))
    overdue = set(Obligation.objects.filter(status="overdue").values_list("pk", flat=True))
    assert overdue == in_first
    assert obligations_scan(today, county=first) == (0, 0)  # a rerun changes nothing

    # An obligation written overdue in the first county after its run (a caseload import): the
    # second county's run does not read it, the first county's next run does (above its mark).
    episode = Obligation.objects.get(pk=min(in_first)).episode
    imported = Obligation.objects.create(
        episode=episode,
        person=episode.person,
        kind="release",
        sequence=1,
        programme_year=1,
        due_from=today - timedelta(days=9),
        due_by=today - timedelta(days=2),
        township=episode.township,
        status="overdue",
    )
    assert obligations_scan(today, county=second) == (len(in_second), len(in_second))
    assert not Reminder.objects.filter(obligation=imported).exists()
    assert obligations_scan(today, county=first) == (0, 1)
    assert Reminder.objects.filter(obligation=imported).exists()
    assert ScanRun.objects.filter(county__isnull=False).count() == 3
    # The whole scan afterwards finds nothing left.
    assert obligations_scan(today) == (0, 0)
