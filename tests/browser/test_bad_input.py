"""Journey 6: bad input in the browser gets a clear message next to the field, and nothing is saved."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework.idnumber import make_id_number
from casework.models import CaseEvent, DrugTest, Episode, Obligation, Person
from permissions import selectors
from tests.browser.helpers import fill_registration, user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NAME = "诸葛明远"


def counts():
    return Person.objects.count(), Episode.objects.count(), CaseEvent.objects.count()


def open_obligations(person):
    return list(
        Obligation.objects.filter(person=person, status__in=Obligation.OPEN_STATUSES).values_list(
            "pk", "due_by"
        )
    )


def test_invalid_id_number_is_refused_with_the_reason(pages):
    today = timezone.localdate()
    birth = date(1993, 6, 30)
    valid = make_id_number("320999", birth, 123, "F")
    wrong_check = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    before = counts()

    page = pages.login("ws_chengguan")
    page.goto("/persons/new/")
    fill_registration(
        page,
        name=NAME,
        id_number=wrong_check,
        sex="女",
        birth=birth,
        decided_on=today - timedelta(days=1),
        served_on=today,
        decision_number="城公(禁)决字〔2026〕0903号",
    )
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("status")).to_have_text("请更正下列标红的内容，信息尚未保存。")
    id_field = page.get_by_label("公民身份号码")
    expect(id_field).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field.has-error")).to_have_count(1)
    expect(page.locator(".field.has-error")).to_contain_text("公民身份号码校验码错误，请核对。")
    # what was typed is still there
    expect(page.get_by_label("姓名", exact=True)).to_have_value(NAME)
    expect(id_field).to_have_value(wrong_check)
    pages.look(page, "registration-errors")
    assert counts() == before
    assert not Person.objects.filter(name=NAME).exists()

    # too short a number has its own message
    id_field.fill(valid[:17])
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".field.has-error")).to_contain_text("公民身份号码应为18位")
    assert counts() == before

    # corrected, it is saved
    page.get_by_label("公民身份号码").fill(valid)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_contain_text("已登记")
    assert Person.objects.get(name=NAME).id_number == valid


def test_future_drug_test_date_is_refused(pages):
    ws = user("ws_chengguan")
    person = (
        selectors.visible_persons(ws)
        .filter(episodes__status="active", obligations__kind="drug_test", obligations__status="pending")
        .order_by("pk")
        .first()
    )
    tomorrow = timezone.localdate() + timedelta(days=1)
    tests_before = DrugTest.objects.count()
    open_before = open_obligations(person)

    page = pages.login("ws_chengguan")
    page.goto(f"/persons/{person.pk}/")
    page.get_by_role("link", name="登记检测").first.click()
    page.get_by_label("检测日期").fill(tomorrow.isoformat())
    page.get_by_label("检测地点").fill("城关派出所")
    page.get_by_label("结果", exact=True).select_option(label="阴性")
    page.get_by_label("采样人1", exact=True).fill("周敏")
    page.get_by_label("采样人1性别").select_option(label="女")
    page.get_by_label("采样人2", exact=True).fill("吴静")
    page.get_by_label("采样人2性别").select_option(label="女")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("status")).to_have_text("请更正下列标红的内容，信息尚未保存。")
    expect(page.locator(".field.has-error")).to_have_count(1)
    expect(page.locator(".field.has-error")).to_contain_text("日期不能晚于今天。")
    expect(page.get_by_label("检测日期")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("采样人1", exact=True)).to_have_value("周敏")
    pages.look(page, "drug-test-future-date")
    assert DrugTest.objects.count() == tests_before
    assert open_obligations(person) == open_before
