"""Journeys of fast, safe entry and of search: a clerk registering a number already on file
(the duplicate shows before the rest of the form), a social worker recording a test from a
pre-filled form, a police officer finding a person by the full ID number, and a county
supervisor following 尿检率 to its persons and printing the county roll-up."""

import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework.idnumber import make_id_number
from casework.models import DrugTest, Obligation, Person
from casework.templatetags.casework_tags import staff_name
from permissions import selectors
from tests.browser.helpers import due_row, user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def spaced(number: str) -> str:
    """The number as read off a decision document: in groups, a lower-case x."""
    return f"{number[:6]} {number[6:14]} {number[14:]}".lower()


def test_clerk_sees_the_duplicate_before_the_rest_of_the_form(pages):
    existing = selectors.visible_persons(user("ws_chengguan")).order_by("pk").first()
    page = pages.login("ws_chengguan")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="登记决定书").click()
    number = page.get_by_label("公民身份号码")
    number.fill(spaced(existing.id_number))
    check = page.locator("#id-check")
    expect(check).to_contain_text("该公民身份号码已建档，不能重复登记")
    expect(page.get_by_label("姓名", exact=True)).to_have_value("")  # nothing else typed yet
    pages.look(page, "registration-duplicate")
    check.get_by_role("link", name=re.compile(existing.name)).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(existing.name)

    # a new number: its sex and birth date fill themselves in
    page.go_back()
    fresh = make_id_number("320102", timezone.localdate().replace(year=1990, day=1), 77, "F")
    page.get_by_label("公民身份号码").fill(fresh)
    expect(check).to_contain_text("号码有效，尚未建档")
    expect(page.get_by_label("性别")).to_have_value("F")
    expect(page.get_by_label("出生日期")).to_have_value(fresh[6:10] + "-" + fresh[10:12] + "-" + fresh[12:14])
    assert not Person.objects.filter(id_number=fresh).exists()


def test_a_number_typed_before_the_check_script_ran_is_checked(pages):
    """On a slow line the clerk can paste the number before the deferred script has attached
    the check: the check still runs, once the script is in."""
    existing = selectors.visible_persons(user("ws_chengguan")).order_by("pk").first()
    page = pages.login("ws_chengguan")
    held = []
    page.route("**/js/entry.js*", lambda route: held.append(route))
    page.goto("/persons/new/", wait_until="commit")
    page.get_by_label("公民身份号码").fill(spaced(existing.id_number))
    check = page.locator("#id-check")
    expect(check).not_to_contain_text("已建档")
    page.wait_for_timeout(500)  # nothing may come while the script is held back
    expect(check).not_to_contain_text("已建档")
    while not held:
        page.wait_for_timeout(50)
    held[0].continue_()
    expect(check).to_contain_text("该公民身份号码已建档，不能重复登记")


def test_social_worker_records_a_test_from_a_prefilled_form(pages):
    sw = user("sw_chengguan")
    person = next(
        p
        for p in selectors.visible_persons(sw).filter(episodes__status="active", sex="M").order_by("pk")
        if p.obligations.filter(kind="drug_test", status__in=Obligation.OPEN_STATUSES).exists()
        and p.episodes.get(status="active").expected_end_date > timezone.localdate() + timedelta(days=200)
    )
    page = pages.login("sw_chengguan")
    page.goto(f"/persons/{person.pk}/")
    due_row(page, "吸毒检测").get_by_role("link", name="登记检测").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("登记吸毒检测")
    expect(page.get_by_label("检测日期")).to_have_value(timezone.localdate().isoformat())
    expect(page.get_by_label("检测地点")).not_to_have_value("")
    expect(page.get_by_label("采样人1", exact=True)).to_have_value(staff_name(sw))
    pages.look(page, "drug-test-prefilled")
    page.get_by_label("结果", exact=True).select_option(label="阴性")
    page.get_by_label("采样人1性别").select_option(label="男")
    page.get_by_label("采样人2", exact=True).fill("张强")
    page.get_by_label("采样人2性别").select_option(label="男")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_contain_text("已保存，下次应办日期已更新。")
    test = DrugTest.objects.filter(person=person).order_by("-recorded_at").first()
    assert (test.tested_on, test.collector_1, test.recorded_by) == (timezone.localdate(), staff_name(sw), sw)

    next_due = Obligation.objects.get(person=person, kind="drug_test", status__in=Obligation.OPEN_STATUSES)

    # on a phone the due items come before the identity card
    page.set_viewport_size({"width": 390, "height": 844})
    due_top = page.locator("#due").bounding_box()["y"]
    identity_top = page.get_by_role("heading", name="基本信息").bounding_box()["y"]
    assert due_top < identity_top
    page.set_viewport_size({"width": 1366, "height": 900})

    # the test was taken yesterday: corrected with a reason, the next due date follows
    yesterday = timezone.localdate() - timedelta(days=1)
    page.get_by_role("link", name="检测与谈话").click()
    page.locator(f"#drugtest-{test.pk}").get_by_role("link", name="更正日期").click()
    page.get_by_label("正确的日期").fill(yesterday.isoformat())
    page.get_by_label("更正理由").fill("检测在昨天进行，录入时日期填错")
    pages.look(page, "drug-test-correct")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_contain_text("已更正，下次应办日期已重新计算。")
    expect(page.locator(".timeline")).to_contain_text("检测在昨天进行，录入时日期填错")
    test.refresh_from_db()
    moved = Obligation.objects.get(pk=next_due.pk)
    assert test.tested_on == yesterday and moved.due_by <= next_due.due_by

    # a long note survives a reload: the draft is kept in this browser until it is sent
    page.goto(f"/persons/{person.pk}/talks/new/")
    page.get_by_label("谈话内容").fill("情绪稳定，工作正常。")
    page.wait_for_timeout(600)
    page.reload()
    expect(page.get_by_label("谈话内容")).to_have_value("情绪稳定，工作正常。")
    expect(page.locator(".draft-note")).to_be_visible()


def test_police_officer_finds_a_person_by_the_full_id_number(pages):
    police = user("police_chengguan")
    person = selectors.visible_persons(police).order_by("-pk").first()
    page = pages.login("police_chengguan")
    page.get_by_label("姓名、拼音首字母或证件号").fill(spaced(person.id_number))
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("共 1 人")).to_be_visible()
    expect(page.get_by_role("link", name=person.name, exact=True)).to_be_visible()
    assert person.id_number not in unquote(page.url) and "idk=" in page.url
    assert person.id_number not in page.content()
    expect(page.get_by_label("姓名、拼音首字母或证件号")).to_have_value("")
    pages.look(page, "search-full-id")
    # a wrong check digit: the reason, no one listed
    wrong = person.id_number[:17] + ("0" if person.id_number[17] != "0" else "1")
    page.get_by_label("姓名、拼音首字母或证件号").fill(wrong)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("status")).to_contain_text("校验码错误")
    expect(page.get_by_text("没有符合条件的人员")).to_be_visible()


def test_county_supervisor_follows_the_test_rate_to_its_persons_and_prints_the_county_report(
    pages, celery_worker
):
    page = pages.login("sup_county")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="工作指标").click()
    row = page.locator("tr").filter(has=page.get_by_text("尿检率", exact=True))
    done = row.get_by_role("link", name=re.compile("^尿检率分子"))
    figure = int(done.inner_text())
    pages.look(page, "rates-charts")
    done.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("尿检率 · 分子")
    expect(page.get_by_role("status")).to_contain_text(f"合计 {figure} 次")
    pages.look(page, "rates-drilldown")
    # printed: no navigation, no buttons, every row
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="主导航")).to_be_hidden()
    expect(page.get_by_role("link", name="返回工作指标")).to_be_hidden()
    page.emulate_media(media="screen")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="月度报告").click()
    page.get_by_label("乡镇(街道)或全县汇总").select_option(label="城关县")
    page.get_by_role("button", name="下载 PDF").click()
    # Made in the background by the worker while the page shows its progress.
    status = page.locator("#monthly-report-status")
    expect(status).to_contain_text("生成中")
    with page.expect_download() as download:
        status.get_by_role("link", name="下载 PDF").click(timeout=60_000)
    with open(download.value.path(), "rb") as fh:
        pdf = fh.read()
    assert pdf.startswith(b"%PDF")
