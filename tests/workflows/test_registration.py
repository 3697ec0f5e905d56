"""Registering a decision: the happy path and every kind of bad input (nothing saved, no 500)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.idnumber import make_id_number
from casework.models import CaseEvent, Episode, Person
from permissions.models import PersonGroupObjectPermission
from tests.factories import person_with_episode

pytestmark = pytest.mark.django_db


def form_data(w, **overrides):
    today = timezone.localdate()
    data = {
        "person-name": "张伟",
        "person-id_number": make_id_number("320102", date(1988, 5, 6), 21, "M"),
        "person-sex": "M",
        "person-birth_date": "1988-05-06",
        "person-phone": "13800001111",
        "person-household_address": "东门路1号",
        "person-household_region": w["c1"].pk,
        "person-residence_address": "东门路1号",
        "person-residence_region": w["c1"].pk,
        "person-risk_level": "medium",
        "episode-kind": "detox",
        "episode-decision_number": "城公(禁)决字〔2026〕001号",
        "episode-decision_date": (today - timedelta(days=3)).isoformat(),
        "episode-issuing_authority": "城关县公安局",
        "episode-served_on": (today - timedelta(days=2)).isoformat(),
        "episode-term_months": "",
        "episode-community": w["c1"].pk,
    }
    data.update(overrides)
    return data


def login(client, user):
    client.force_login(user)


def counts():
    return (Person.objects.count(), Episode.objects.count(), CaseEvent.objects.count())


def test_work_station_registers_a_decision_and_gets_access(client, world):
    """A registered decision starts in 待报到 with the deadline 15 days after service (戒毒条例 art 14)."""
    login(client, world["work_station1_user"])
    response = client.post(reverse("person_register"), form_data(world))
    person = Person.objects.get(name="张伟")
    assert response.status_code == 302
    assert response.url == reverse("person_detail", args=[person.pk])
    episode = person.episodes.get()
    assert episode.status == Episode.Status.DECIDED
    assert episode.term_months == 36
    assert episode.report_deadline == timezone.localdate() - timedelta(days=2) + timedelta(days=15)
    assert episode.township == world["t1"]
    assert list(person.events.values_list("kind", flat=True).order_by("id")) == [
        "person_created",
        "decision_registered",
    ]
    assert PersonGroupObjectPermission.objects.filter(
        content_object=person, group=world["work_station1"].group, permission__codename="view_person"
    ).exists()
    assert client.get(reverse("person_detail", args=[person.pk])).status_code == 200


def test_region_can_shorten_the_reporting_period(client, world):
    """浙江省禁毒条例 art 37: a province may set 2 days; the township inherits the county's setting."""
    world["county"].report_deadline_days = 2
    world["county"].save()
    login(client, world["work_station1_user"])
    client.post(reverse("person_register"), form_data(world))
    episode = Episode.objects.get()
    assert episode.report_deadline == episode.served_on + timedelta(days=2)


today = date.today()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"person-id_number": "320102198805060210"}, "person-id_number", "校验码错误"),
        ({"person-id_number": "32010219880506021"}, "person-id_number", "应为18位"),
        ({"person-id_number": "320102198802300214"}, "person-id_number", "出生日期不存在"),
        ({"person-sex": "F"}, "person-sex", "性别与公民身份号码不一致"),
        ({"person-birth_date": "1988-05-07"}, "person-birth_date", "出生日期与公民身份号码不一致"),
        ({"person-birth_date": "2099-01-01"}, "person-birth_date", "不能晚于今天"),
        ({"person-birth_date": "1988-02-30"}, "person-birth_date", "有效的日期"),
        ({"episode-decision_date": "2099-01-01"}, "episode-decision_date", "决定日期不能晚于今天"),
        ({"episode-served_on": "2000-01-01"}, "episode-served_on", "送达日期不能早于决定日期"),
        ({"episode-kind": "rehab", "episode-term_months": "40"}, "episode-term_months", "不得超过36个月"),
        ({"episode-kind": "rehab", "episode-term_months": ""}, "episode-term_months", "请填写社区康复期限"),
    ],
)
def test_bad_input_shows_a_message_and_saves_nothing(client, world, overrides, field, message):
    login(client, world["work_station1_user"])
    before = counts()
    response = client.post(reverse("person_register"), form_data(world, **overrides))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert counts() == before


def test_duplicate_id_number_is_refused(client, world):
    existing = person_with_episode(world["c1"])
    login(client, world["work_station1_user"])
    before = counts()
    response = client.post(
        reverse("person_register"),
        form_data(
            world,
            **{
                "person-id_number": existing.id_number,
                "person-sex": existing.sex,
                "person-birth_date": existing.birth_date.isoformat(),
            },
        ),
    )
    assert "该公民身份号码已建档" in response.content.decode()
    assert counts() == before


def test_second_open_episode_is_refused(client, world):
    person = person_with_episode(world["c1"])
    login(client, world["work_station1_user"])
    before = counts()
    data = {
        k.replace("episode-", "episode-"): v for k, v in form_data(world).items() if k.startswith("episode-")
    }
    response = client.post(reverse("episode_add", args=[person.pk]), data)
    assert response.status_code == 200
    assert "已有未结束的社区戒毒" in response.content.decode()
    assert counts() == before


def test_new_episode_after_completion_is_accepted(client, world):
    person = person_with_episode(world["c1"], status=Episode.Status.COMPLETED)
    login(client, world["work_station1_user"])
    data = {k: v for k, v in form_data(world).items() if k.startswith("episode-")}
    response = client.post(reverse("episode_add", args=[person.pk]), data)
    assert response.status_code == 302
    assert person.episodes.count() == 2


def test_duplicate_decision_number_is_refused(client, world):
    login(client, world["work_station1_user"])
    client.post(reverse("person_register"), form_data(world))
    before = counts()
    other = make_id_number("320102", date(1990, 1, 2), 3, "F")
    response = client.post(
        reverse("person_register"),
        form_data(world, **{"person-id_number": other, "person-sex": "F", "person-birth_date": "1990-01-02"}),
    )
    assert "该决定书已登记" in response.content.decode()
    assert counts() == before


def test_only_work_stations_register(client, world):
    login(client, world["police1_user"])
    assert client.get(reverse("person_register")).status_code == 404
    assert client.post(reverse("person_register"), form_data(world)).status_code == 404
    assert Person.objects.count() == 0


def test_edit_saves_and_records_changed_fields_only(client, world):
    person = person_with_episode(world["c1"])
    login(client, world["work_station1_user"])
    page = client.get(reverse("person_edit", args=[person.pk]))
    form = page.context["person_form"]
    data = {
        f"person-{name}": (value.pk if hasattr(value, "pk") else (value or ""))
        for name, value in ((n, form.initial.get(n)) for n in form.fields)
    }
    data["person-phone"] = "13900002222"
    response = client.post(reverse("person_edit", args=[person.pk]), data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.phone == "13900002222"
    event = person.events.get(kind="person_updated")
    assert event.data == {"fields": ["phone"]}
    assert "13900002222" not in event.message
