"""Every record-writing form is saved once per rendered page.

The rule: a second identical post answers "already recorded" (已登记) with a link to the record,
and nothing moves — no second row, no second case event, no change of status or schedule.
Each test opens the page, posts the form it rendered, then posts the very same values again.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.deadlines import add_months
from casework.models import (
    Absence,
    CaseEvent,
    Certification,
    Episode,
    Obligation,
    Referral,
    ReferralOutcome,
    Suspension,
    Transfer,
)
from tests.workflows.test_certification import certifiable
from tests.workflows.test_completion import completed
from tests.workflows.test_obligations import active_person
from workflows.branches.absences import absence_report
from workflows.branches.referrals import referral_accept, referral_create
from workflows.branches.suspensions import suspension_start
from workflows.models import FormSubmission

pytestmark = pytest.mark.django_db


def _hidden(client, url, form_name="form"):
    """GET the page and return the hidden values its form was rendered with."""
    response = client.get(url)
    assert response.status_code == 200
    form = response.context[form_name]
    assert form.initial.get("submission_key"), "the page renders a submission key"
    values = {
        name: form.initial.get(name) for name in ("submission_key", "obligation") if name in form.fields
    }
    return {name: value for name, value in values.items() if value is not None}


def _state(person):
    """Everything a repeated post could move, for the person."""
    episodes = list(
        Episode.objects.filter(person=person).order_by("pk").values_list("pk", "status", "closed_on")
    )
    return {
        "episodes": episodes,
        "events": CaseEvent.objects.filter(person=person).count(),
        "obligations": list(
            Obligation.objects.filter(person=person).order_by("pk").values_list("kind", "status", "due_by")
        ),
        "absences": list(
            Absence.objects.filter(person=person)
            .order_by("pk")
            .values_list("status", "returned_on", "extended_to")
        ),
        "suspensions": list(
            Suspension.objects.filter(episode__person=person)
            .order_by("pk")
            .values_list("starts_on", "ends_on")
        ),
        "transfers": Transfer.objects.filter(person=person).count(),
        "referrals": list(
            Referral.objects.filter(person=person).order_by("pk").values_list("status", "closed_on")
        ),
        "outcomes": ReferralOutcome.objects.filter(referral__person=person).count(),
        "certifications": Certification.objects.filter(episode__person=person).count(),
    }


def _twice(client, url, data, person, *, link):
    """Post `data` twice: the first saves (a redirect), the second answers "already recorded"."""
    before = _state(person)
    first = client.post(url, data)
    assert first.status_code == 302, first.content.decode()[:3000]
    after_first = _state(person)
    assert after_first != before, "the first post saved something"
    repeat = client.post(url, data)
    assert repeat.status_code == 409
    body = repeat.content.decode()
    assert "已登记" in body
    assert f'href="{link}"' in body
    assert _state(person) == after_first
    assert FormSubmission.objects.filter(key=data["submission_key"]).count() == 1
    return after_first, before


@pytest.fixture
def ws(world, client):
    client.force_login(world["work_station1_user"])
    return world["work_station1_user"]


@pytest.fixture
def active(world):
    person, _episode = active_person(world, timezone.localdate() - timedelta(days=40))
    return person


def _away(world, person):
    today = timezone.localdate()
    return absence_report(
        actor=world["work_station1_user"],
        episode=person.episodes.get(),
        reported_on=today,
        leaves_on=today,
        returns_by=today + timedelta(days=6),
        destination="南京",
        reason="探亲",
        contact_phone="13800001111",
    )


def _referral(world, person, *, accepted):
    today = timezone.localdate()
    made = referral_create(
        actor=world["work_station1_user"],
        episode=person.episodes.get(),
        kind=Referral.Kind.EMPLOYMENT,
        on=today,
        needs="就业",
        skills="驾驶",
    )
    return (
        referral_accept(actor=world["human_resources1_user"], referral=made, on=today) if accepted else made
    )


def test_absence_return_posted_twice_checks_in_once(client, world, ws, active):
    absence = _away(world, active)
    url = reverse("absence_return", args=[absence.pk])
    data = {"returned_on": timezone.localdate().isoformat(), **_hidden(client, url)}
    link = reverse("person_breaches", args=[active.pk]) + f"#absence-{absence.pk}"
    _twice(client, url, data, active, link=link)
    absence.refresh_from_db()
    assert absence.status == Absence.Status.RETURNED


def test_absence_extend_posted_twice_extends_once(client, world, ws, active):
    absence = _away(world, active)
    url = reverse("absence_extend", args=[absence.pk])
    new_end = (absence.returns_by + timedelta(days=3)).isoformat()
    data = {"extended_to": new_end, "note": "病假", **_hidden(client, url)}
    link = reverse("person_breaches", args=[active.pk]) + f"#absence-{absence.pk}"
    _twice(client, url, data, active, link=link)
    assert CaseEvent.objects.filter(person=active, kind="absence_extended").count() == 1


def test_unreported_absence_posted_twice_is_recorded_once(client, ws, active):
    url = reverse("absence_unreported", args=[active.pk])
    today = timezone.localdate()
    data = {
        "leaves_on": (today - timedelta(days=10)).isoformat(),
        "returned_on": (today - timedelta(days=5)).isoformat(),
        "destination": "广州",
        "reason": "未报告外出",
        **_hidden(client, url),
    }
    before = Absence.objects.count()
    first = client.post(url, data)
    assert first.status_code == 302
    absence = Absence.objects.get(person=active)
    after_first = _state(active)
    repeat = client.post(url, data)
    assert repeat.status_code == 409
    assert (
        f'href="{reverse("person_breaches", args=[active.pk])}#absence-{absence.pk}"'
        in repeat.content.decode()
    )
    assert Absence.objects.count() == before + 1
    assert _state(active) == after_first


def test_referral_new_posted_twice_refers_once(client, ws, active):
    url = reverse("referral_new", args=[active.pk])
    data = {
        "kind": Referral.Kind.EMPLOYMENT,
        "referred_on": timezone.localdate().isoformat(),
        "needs": "就业培训",
        "skills": "",
        **_hidden(client, url),
    }
    before = _state(active)
    assert client.post(url, data).status_code == 302
    referral = Referral.objects.get(person=active)
    after_first = _state(active)
    assert after_first != before
    repeat = client.post(url, data)
    assert repeat.status_code == 409
    assert f'href="{reverse("referral_detail", args=[referral.pk])}"' in repeat.content.decode()
    assert Referral.objects.filter(person=active).count() == 1
    assert _state(active) == after_first


def test_referral_decide_posted_twice_is_decided_once(client, world, active):
    referral = _referral(world, active, accepted=False)
    client.force_login(world["human_resources1_user"])
    hidden = _hidden(client, reverse("referral_detail", args=[referral.pk]), "decide_form")
    data = {"decision": "accept", "on": timezone.localdate().isoformat(), "reason": "", **hidden}
    url = reverse("referral_decide", args=[referral.pk])
    _twice(client, url, data, active, link=reverse("referral_detail", args=[referral.pk]))
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED


def test_referral_outcome_posted_twice_is_recorded_once(client, world, active):
    referral = _referral(world, active, accepted=True)
    client.force_login(world["human_resources1_user"])
    url = reverse("referral_outcome_new", args=[referral.pk])
    data = {
        "kind": ReferralOutcome.Kind.JOB_GUIDANCE,
        "on_date": timezone.localdate().isoformat(),
        "note": "就业指导一次",
        **_hidden(client, url),
    }
    _twice(client, url, data, active, link=reverse("referral_detail", args=[referral.pk]))
    assert ReferralOutcome.objects.filter(referral=referral).count() == 1


def test_referral_close_posted_twice_is_closed_once(client, world, active):
    referral = _referral(world, active, accepted=True)
    client.force_login(world["human_resources1_user"])
    hidden = _hidden(client, reverse("referral_detail", args=[referral.pk]), "close_form")
    data = {"closed_on": timezone.localdate().isoformat(), "confirm": "on", **hidden}
    url = reverse("referral_close", args=[referral.pk])
    before = _state(active)
    first = client.post(url, data)
    assert first.status_code == 302
    after_first = _state(active)
    assert after_first != before
    # Closing ends the agency's view of the person, but not of its own referral's page.
    repeat = client.post(url, data)
    assert repeat.status_code == 409
    assert f'href="{reverse("referral_detail", args=[referral.pk])}"' in repeat.content.decode()
    assert _state(active) == after_first


def test_certification_proposal_posted_twice_is_proposed_once(client, world, ws):
    person, episode = certifiable(world)
    url = reverse("certification", args=[episode.pk])
    data = {
        "proposed_on": timezone.localdate().isoformat(),
        "summary": "执行期间表现良好，按时接受检测。",
        **_hidden(client, url),
    }
    _twice(client, url, data, person, link=reverse("person_support", args=[person.pk]))
    assert Certification.objects.filter(episode=episode).count() == 1


def test_transfer_request_posted_twice_is_requested_once(client, world, ws, active):
    url = reverse("transfer_new", args=[active.pk])
    data = {
        "to_township": world["t2"].pk,
        "reason": "迁居",
        "new_address": "",
        "requested_on": timezone.localdate().isoformat(),
        **_hidden(client, url),
    }
    _twice(client, url, data, active, link=reverse("person_detail", args=[active.pk]))
    assert Transfer.objects.filter(person=active).count() == 1


def test_suspension_posted_twice_suspends_once(client, ws, active):
    url = reverse("suspension_new", args=[active.pk])
    data = {
        "reason": Suspension.Reason.DETENTION,
        "starts_on": timezone.localdate().isoformat(),
        "place": "县拘留所",
        "documents": "",
        **_hidden(client, url),
    }
    _twice(client, url, data, active, link=reverse("person_detail", args=[active.pk]))
    assert Suspension.objects.filter(episode__person=active).count() == 1


def test_suspension_end_posted_twice_resumes_once(client, world, ws, active):
    today = timezone.localdate()
    suspension_start(
        actor=world["work_station1_user"],
        episode=active.episodes.get(),
        reason=Suspension.Reason.DETENTION,
        starts_on=today - timedelta(days=5),
        place="县拘留所",
    )
    url = reverse("suspension_end", args=[active.pk])
    data = {"ends_on": today.isoformat(), **_hidden(client, url)}
    _twice(client, url, data, active, link=reverse("person_detail", args=[active.pk]))
    assert active.episodes.get().status == Episode.Status.ACTIVE


def test_termination_posted_twice_ends_the_episode_once(client, ws, active):
    url = reverse("episode_terminate", args=[active.pk])
    data = {
        "reason": "imprisonment",
        "closed_on": timezone.localdate().isoformat(),
        "documents": "判决书",
        "confirm": "on",
        **_hidden(client, url),
    }
    _twice(client, url, data, active, link=reverse("person_detail", args=[active.pk]))


def test_relapse_after_completion_posted_twice_is_recorded_once(client, world, ws):
    person, _episode = completed(world, add_months(timezone.localdate(), -25), term=24)
    url = reverse("follow_up_relapse", args=[person.pk])
    data = {
        "relapsed_on": timezone.localdate().isoformat(),
        "note": "检测报告 2026-01",
        **_hidden(client, url),
    }
    _twice(client, url, data, person, link=reverse("person_detail", args=[person.pk]))


def test_two_fresh_pages_are_two_saves(client, world, active):
    """The key belongs to one rendered page: opening the form again is a new record."""
    referral = _referral(world, active, accepted=True)
    client.force_login(world["human_resources1_user"])
    url = reverse("referral_outcome_new", args=[referral.pk])
    for _ in range(2):
        data = {
            "kind": ReferralOutcome.Kind.JOB_GUIDANCE,
            "on_date": timezone.localdate().isoformat(),
            "note": "就业指导",
            **_hidden(client, url),
        }
        assert client.post(url, data).status_code == 302
    assert ReferralOutcome.objects.filter(referral=referral).count() == 2
