"""A record form is saved once: a repeated post of the same rendered form saves nothing and
moves no schedule; the same breach confirmed twice is refused."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.models import Absence, Breach, DrugTest, Obligation, Talk
from tests.workflows.test_obligations import active_person
from workflows.models import FormSubmission

pytestmark = pytest.mark.django_db

TEST_FIELDS = {
    "place": "工作站",
    "sample_type": "urine",
    "method": "on_site",
    "result": "negative",
    "collector_1": "甲",
    "collector_1_sex": "M",
    "collector_2": "乙",
    "collector_2_sex": "M",
}


def _rendered(client, url):
    """GET the form page and return the hidden values it was rendered with."""
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["form"]
    values = {
        name: form.initial.get(name) for name in ("submission_key", "obligation") if name in form.fields
    }
    return {name: value for name, value in values.items() if value is not None}


def _schedule(episode):
    return list(
        Obligation.objects.filter(episode=episode).order_by("pk").values_list("kind", "status", "due_by")
    )


@pytest.fixture
def person(world, client):
    person, episode = active_person(world, timezone.localdate() - timedelta(days=40))
    person.sex = "M"
    person.save()
    client.force_login(world["work_station1_user"])
    return person


def test_a_drug_test_form_posted_twice_saves_one_test_and_answers_already_recorded(client, person):
    episode = person.episodes.get()
    url = reverse("drug_test_new", args=[person.pk])
    hidden = _rendered(client, url)
    duty = Obligation.objects.get(episode=episode, kind="drug_test", status__in=Obligation.OPEN_STATUSES)
    assert hidden["obligation"] == duty.pk  # the page names the duty it fulfils
    data = {**TEST_FIELDS, "tested_on": timezone.localdate().isoformat(), **hidden}
    assert client.post(url, data).status_code == 302
    after_first = _schedule(episode)
    repeat = client.post(url, data)
    assert repeat.status_code == 409
    body = repeat.content.decode()
    test = DrugTest.objects.get()
    assert "已登记" in body
    assert f'href="{reverse("person_records", args=[person.pk])}#drugtest-{test.pk}"' in body
    assert DrugTest.objects.count() == 1
    assert _schedule(episode) == after_first
    assert FormSubmission.objects.count() == 1


def test_a_repeat_without_the_key_cannot_fulfil_the_next_duty(client, person):
    """The duty named at render time is done after the first post: the repeat is refused."""
    episode = person.episodes.get()
    url = reverse("drug_test_new", args=[person.pk])
    hidden = _rendered(client, url)
    data = {**TEST_FIELDS, "tested_on": timezone.localdate().isoformat(), "obligation": hidden["obligation"]}
    assert client.post(url, data).status_code == 302
    after_first = _schedule(episode)
    repeat = client.post(url, data)
    assert repeat.status_code == 200
    assert "该事项已完成或已免除，不能重复登记。" in repeat.content.decode()
    assert DrugTest.objects.count() == 1
    assert _schedule(episode) == after_first


def test_a_refused_post_does_not_use_up_its_key(client, person):
    episode = person.episodes.get()
    url = reverse("drug_test_new", args=[person.pk])
    hidden = _rendered(client, url)
    too_early = (episode.start_date - timedelta(days=3)).isoformat()
    refused = client.post(url, {**TEST_FIELDS, "tested_on": too_early, **hidden})
    assert refused.status_code == 200
    assert "日期不能早于执行起始日期（报到日）。" in refused.content.decode()
    assert FormSubmission.objects.count() == 0
    corrected = client.post(url, {**TEST_FIELDS, "tested_on": timezone.localdate().isoformat(), **hidden})
    assert corrected.status_code == 302
    assert DrugTest.objects.count() == 1


def test_a_talk_form_posted_twice_saves_one_talk(client, person):
    episode = person.episodes.get()
    url = reverse("talk_new", args=[person.pk])
    hidden = _rendered(client, url)
    data = {"held_on": timezone.localdate().isoformat(), "kind": "talk", "summary": "谈话内容", **hidden}
    assert client.post(url, data).status_code == 302
    after_first = _schedule(episode)
    repeat = client.post(url, data)
    assert repeat.status_code == 409
    talk = Talk.objects.get()
    assert f"#talk-{talk.pk}" in repeat.content.decode()
    assert _schedule(episode) == after_first


def test_two_fresh_talk_forms_save_two_talks(client, person):
    url = reverse("talk_new", args=[person.pk])
    for _ in range(2):
        data = {
            "held_on": timezone.localdate().isoformat(),
            "kind": "talk",
            "summary": "谈话",
            **_rendered(client, url),
        }
        assert client.post(url, data).status_code == 302
    assert Talk.objects.count() == 2


def test_twenty_identical_agreement_breaches_are_confirmed_once(client, person):
    """戒毒条例 art 20 counts each confirmed breach: one act posted twenty times is one breach,
    whether the form is re-posted (same key) or opened afresh each time (new keys)."""
    url = reverse("breach_confirm", args=[person.pk])
    day = (timezone.localdate() - timedelta(days=1)).isoformat()
    data = {
        "kind": "agreement",
        "occurred_on": day,
        "response": "education",
        "description": "未按约定参加辅导",
    }
    first = {**data, **_rendered(client, url)}
    statuses = [client.post(url, first).status_code for _ in range(10)]
    for _ in range(10):
        response = client.post(url, {**data, **_rendered(client, url)})
        statuses.append(response.status_code)
        assert (
            "同一类别、同一日期、同一情况说明的违反协议已经确认过，不能重复确认。"
            in response.content.decode()
        )
    assert statuses == [302] + [409] * 9 + [200] * 10
    assert Breach.objects.count() == 1
    # A different account of the same day is a different breach.
    assert (
        client.post(url, {**data, "description": "另一次未按约定报告", **_rendered(client, url)}).status_code
        == 302
    )
    assert Breach.objects.count() == 2


def test_an_absence_report_posted_twice_is_saved_once(client, person):
    url = reverse("absence_report", args=[person.pk])
    today = timezone.localdate()
    data = {
        "reported_on": today.isoformat(),
        "leaves_on": (today + timedelta(days=2)).isoformat(),
        "returns_by": (today + timedelta(days=8)).isoformat(),
        "destination": "南京市",
        "reason": "探亲",
        "contact_phone": "13800001111",
        **_rendered(client, url),
    }
    first = client.post(url, data)
    assert first.status_code == 302, first.content.decode()[:2000]
    repeat = client.post(url, data)
    assert repeat.status_code == 409
    assert f"#absence-{Absence.objects.get().pk}" in repeat.content.decode()
    assert Absence.objects.count() == 1
