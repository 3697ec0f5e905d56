"""Journey 1: the social worker finds a woman on her caseload, records a talk and a urine test.

A woman's urine sample must be collected by two female collectors (吸毒检测程序规定 art 8): the
form refuses a male collector and saves nothing, then accepts two women. Each record closes the
open obligation and the next due date moves on the person's page. The judicial office, which the
matrix does not let read talks or tests, sees neither on the records tab.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework.models import DrugTest, Obligation, Person, Talk
from permissions import selectors
from tests.browser.helpers import cn_date, due_row, section, user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SUMMARY = "近期情绪稳定，在家具厂上班，家人支持。提醒按时接受检测。"


def woman_on_my_caseload(username: str) -> Person:
    """A woman with an open talk and test, whose name no one else has.

    Her order runs for more than half a year yet, so recording today opens the next duties.
    """
    visible = selectors.visible_persons(user(username)).filter(
        sex=Person.Sex.FEMALE,
        episodes__status="active",
        episodes__expected_end_date__gt=timezone.localdate() + timedelta(days=200),
    )
    for person in visible.order_by("pk"):
        kinds = set(
            person.obligations.filter(status__in=Obligation.OPEN_STATUSES).values_list("kind", flat=True)
        )
        if {"talk", "drug_test"} <= kinds and Person.objects.filter(name=person.name).count() == 1:
            return person
    pytest.fail(f"the demo data has no suitable woman on {username}'s caseload")


def open_due(person: Person, kind: str):
    return Obligation.objects.get(person=person, kind=kind, status__in=Obligation.OPEN_STATUSES).due_by


def test_social_worker_records_a_talk_and_a_womans_urine_test(pages):
    person = woman_on_my_caseload("sw_chengguan")
    today = timezone.localdate()
    talk_due, test_due = open_due(person, "talk"), open_due(person, "drug_test")
    tests_before, talks_before = person.drug_tests.count(), person.talks.count()

    page = pages.login("sw_chengguan")
    # find her with the search box
    page.get_by_label("姓名、拼音首字母或证件号").fill(person.name)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("共 1 人")).to_be_visible()
    pages.look(page, "persons-search")
    page.get_by_role("link", name=person.name, exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(person.name)
    expect(page.get_by_role("heading", level=1)).to_contain_text("女")
    expect(due_row(page, "谈心谈话")).to_contain_text(cn_date(talk_due))
    expect(due_row(page, "吸毒检测")).to_contain_text(cn_date(test_due))
    pages.look(page, "person-file")

    # a counselling talk
    page.get_by_role("link", name="登记谈话走访").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("登记谈话走访")
    page.get_by_label("日期", exact=True).fill(today.isoformat())
    page.get_by_label("方式", exact=True).select_option(label="谈心谈话")
    page.get_by_label("地点", exact=True).fill("城关镇社区戒毒社区康复工作站")
    page.get_by_label("谈话内容").fill(SUMMARY)
    pages.look(page, "talk-form")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("status")).to_contain_text("已保存，下次应办日期已更新。")
    new_talk_due = open_due(person, "talk")
    assert new_talk_due > talk_due
    expect(due_row(page, "谈心谈话")).to_contain_text(cn_date(new_talk_due))
    expect(due_row(page, "谈心谈话")).not_to_contain_text(cn_date(talk_due))

    # a urine test: a man may not collect a woman's urine
    page.get_by_role("link", name="登记检测").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("登记吸毒检测")
    page.get_by_label("检测日期").fill(today.isoformat())
    page.get_by_label("检测地点").fill("城关镇社区戒毒社区康复工作站")
    page.get_by_label("样本", exact=True).select_option(label="尿液")
    page.get_by_label("方式", exact=True).select_option(label="现场检测")
    page.get_by_label("结果", exact=True).select_option(label="阴性")
    page.get_by_label("采样人1", exact=True).fill("李芳")
    page.get_by_label("采样人1性别").select_option(label="女")
    page.get_by_label("采样人2", exact=True).fill("张强")
    page.get_by_label("采样人2性别").select_option(label="男")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_text("女性的尿液样本须由女性工作人员采集")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("信息尚未保存")
    assert person.drug_tests.count() == tests_before
    pages.look(page, "drug-test-form-error")

    page.get_by_label("采样人2", exact=True).fill("王丽")
    page.get_by_label("采样人2性别").select_option(label="女")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("status")).to_contain_text("已保存，下次应办日期已更新。")
    new_test_due = open_due(person, "drug_test")
    assert new_test_due > test_due
    expect(due_row(page, "吸毒检测")).to_contain_text(cn_date(new_test_due))
    assert person.drug_tests.count() == tests_before + 1
    assert person.talks.count() == talks_before + 1
    test = DrugTest.objects.filter(person=person).order_by("-recorded_at").first()
    assert (test.tested_on, test.result, test.collector_1_sex, test.collector_2_sex) == (
        today,
        "negative",
        "F",
        "F",
    )
    assert Talk.objects.filter(person=person).order_by("-recorded_at").first().summary == SUMMARY
    expect(page.locator(".timeline")).to_contain_text("吸毒检测（尿液）：阴性")
    pages.look(page, "person-file-after-records")

    # the records tab shows both to the social worker
    page.get_by_role("link", name="检测与谈话").click()
    tests = section(page, "检测记录")
    expect(tests).to_contain_text(cn_date(today))
    expect(tests).to_contain_text("阴性")
    expect(tests).to_contain_text("李芳、王丽")
    expect(section(page, "谈话走访")).to_contain_text(SUMMARY)
    pages.look(page, "records-tab")

    # the judicial office may see the person, but not the talk notes nor the tests
    judicial = pages.login("judicial_chengguan")
    judicial.goto(f"/persons/{person.pk}/")
    judicial.get_by_role("link", name="检测与谈话").click()
    expect(judicial).to_have_url(re.compile(rf"/persons/{person.pk}/records/$"))
    expect(judicial.get_by_role("heading", name="谈话走访")).to_have_count(0)
    expect(judicial.get_by_role("heading", name="检测记录")).to_have_count(0)
    expect(judicial.locator("main")).not_to_contain_text(SUMMARY)
    expect(judicial.locator("main")).to_contain_text("您不能查看此人的检测和谈话记录")
    pages.look(judicial, "records-tab-judicial")
