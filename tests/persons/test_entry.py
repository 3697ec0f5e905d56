"""Registration: sex and birth date derived from the ID number, and the duplicate check as the
number is typed, with a link to a file the clerk may open and a neutral answer otherwise."""

from datetime import date

import pytest
from django.urls import reverse

from casework.idnumber import make_id_number
from casework.models import Person
from tests.factories import person_with_episode
from tests.workflows.test_registration import counts, form_data

pytestmark = pytest.mark.django_db


def test_sex_and_birth_date_left_blank_are_taken_from_the_id_number(client, world):
    """GB 11643-1999: digits 7-14 are the birth date, the 17th is odd for a man, even for a woman."""
    client.force_login(world["work_station1_user"])
    number = make_id_number("320102", date(1991, 7, 9), 40, "F")
    response = client.post(
        reverse("person_register"),
        form_data(world, **{"person-id_number": number, "person-sex": "", "person-birth_date": ""}),
    )
    assert response.status_code == 302
    person = Person.objects.get(id_number=number)
    assert (person.sex, person.birth_date) == ("F", date(1991, 7, 9))


def test_an_id_number_with_spaces_and_a_lower_case_x_is_stored_normalised(client, world):
    client.force_login(world["work_station1_user"])
    number = "11010519491231002X"
    typed = "110105 1949 1231 002x"
    response = client.post(
        reverse("person_register"),
        form_data(world, **{"person-id_number": typed, "person-sex": "", "person-birth_date": ""}),
    )
    assert response.status_code == 302
    assert Person.objects.get(id_number=number).sex == "F"


def test_without_a_valid_number_sex_and_birth_date_are_asked_for(client, world):
    client.force_login(world["work_station1_user"])
    before = counts()
    response = client.post(
        reverse("person_register"),
        form_data(world, **{"person-id_number": "123", "person-sex": "", "person-birth_date": ""}),
    )
    body = response.content.decode()
    assert "应为18位" in body and "请填写，或先填写有效的公民身份号码。" in body
    assert counts() == before


def _check(client, number):
    return client.get(reverse("person_id_check"), {"person-id_number": number}).content.decode()


def test_the_check_while_typing_says_what_the_number_holds(client, world):
    client.force_login(world["work_station1_user"])
    assert "已输入 6 位，共 18 位" in _check(client, "320102")
    assert "校验码错误" in _check(client, "320102198805060210")
    fresh = _check(client, make_id_number("320102", date(1988, 5, 6), 21, "M"))
    assert 'data-sex="M" data-birth="1988-05-06"' in fresh and "尚未建档" in fresh


def test_a_number_on_file_links_to_the_file_the_clerk_may_open(client, world):
    mine = person_with_episode(world["c1"])
    client.force_login(world["work_station1_user"])
    body = _check(client, mine.id_number.lower().replace("x", "x"))
    assert 'data-duplicate="visible"' in body
    assert f'href="{reverse("person_detail", args=[mine.pk])}"' in body and mine.name in body


def test_a_number_on_file_elsewhere_gets_the_neutral_answer(client, world):
    """Another township's file: on file, without its name, place or a link."""
    theirs = person_with_episode(world["c2"])
    client.force_login(world["work_station1_user"])
    body = _check(client, theirs.id_number)
    assert 'data-duplicate="hidden"' in body
    assert theirs.name not in body and world["c2"].name not in body and "href" not in body


def test_saving_a_duplicate_shows_the_link_under_the_number(client, world):
    mine = person_with_episode(world["c1"])
    client.force_login(world["work_station1_user"])
    before = counts()
    response = client.post(
        reverse("person_register"),
        form_data(world, **{"person-id_number": mine.id_number, "person-sex": "", "person-birth_date": ""}),
    )
    body = response.content.decode()
    assert response.status_code == 200 and counts() == before
    assert f'href="{reverse("person_detail", args=[mine.pk])}"' in body


def test_only_work_stations_use_the_check(client, world):
    client.force_login(world["police1_user"])
    assert client.get(reverse("person_id_check"), {"person-id_number": "320102"}).status_code == 404
