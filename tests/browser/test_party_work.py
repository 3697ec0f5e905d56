"""Each party's own work, in the browser: a social worker's morning from the home page, a police
officer deciding a hand-over from its case, and 人社 receiving a referral and accepting it."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from viewflow.workflow.models import Task

from casework.models import Episode, HandOver, Obligation, Referral
from permissions import selectors
from tests.browser.helpers import cn_date, user
from workflows import work
from workflows.branches.referrals import referral_create

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def overdue_test_on_the_home_page(username: str) -> Obligation:
    """The first overdue drug test among the rows the home page lists for the user.

    Whether the demo data has one depends on the day (about one current duty in eight is late,
    by the schedule's dates against today): on a day it has none, the user's next drug test on
    a running episode is made due yesterday, as if it had been missed."""
    account = user(username)
    today = timezone.localdate()
    mine = work.duties_mine(account, selectors.staff_for(account), today)
    rows = mine.filter(
        work.bucket_filter("overdue", today)
        | work.bucket_filter("today", today)
        | work.bucket_filter("week", today)
    ).order_by("due_by", "pk")[:30]
    for row in rows.select_related("person", "episode"):
        if row.kind == "drug_test" and row.due_by < today and row.episode.status in work.RECORDABLE:
            return row
    missed = (
        mine.filter(kind="drug_test", episode__status__in=work.RECORDABLE)
        .select_related("person", "episode")
        .order_by("due_by", "pk")
        .first()
    )
    if missed is None:
        pytest.fail(f"the demo data has no drug test to do for {username}")
    yesterday = today - timedelta(days=1)
    missed.due_by, missed.due_from = yesterday, min(missed.due_from, yesterday)
    missed.save(update_fields=["due_by", "due_from"])
    return missed


def test_a_social_workers_morning_from_the_home_page(pages):
    """The home page leads with what is overdue; the overdue test opens its form, is saved, and
    is gone from the home page."""
    duty = overdue_test_on_the_home_page("sw_chengguan")
    person = duty.person
    today = timezone.localdate()
    page = pages.login("sw_chengguan")
    page.get_by_role("link", name="工作台").first.click()
    due = page.locator("section").filter(has=page.get_by_role("heading", name="我的应办", exact=True))
    expect(due).to_contain_text(person.name)
    expect(due).to_contain_text(cn_date(duty.due_by))
    expect(due.locator(".tiles").first).to_contain_text("已逾期")
    pages.look(page, "home-due-work")

    link = page.locator(f'a[href$="?obligation={duty.pk}"]')
    expect(link).to_have_count(1)
    link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("登记吸毒检测")
    page.get_by_label("检测日期").fill(today.isoformat())
    page.get_by_label("检测地点").fill("城关镇社区戒毒社区康复工作站")
    page.get_by_label("样本", exact=True).select_option(label="尿液")
    page.get_by_label("方式", exact=True).select_option(label="现场检测")
    page.get_by_label("结果", exact=True).select_option(label="阴性")
    for n, name in ((1, "李芳"), (2, "王丽")):
        page.get_by_label(f"采样人{n}", exact=True).fill(name)
        page.get_by_label(f"采样人{n}性别").select_option(label="女")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_contain_text("已保存，下次应办日期已更新。")
    duty.refresh_from_db()
    assert (duty.status, duty.done_on) == ("done", today)

    page.get_by_role("link", name="工作台").first.click()
    expect(page.locator(f'a[href$="?obligation={duty.pk}"]')).to_have_count(0)
    # The overdue tile opens the work list filtered to what is overdue.
    page.locator(".tiles a.tile", has_text="已逾期").first.click()
    expect(page).to_have_url(re.compile(r"/tasks/\?due=overdue$"))
    expect(page.locator(".tile.current")).to_contain_text("已逾期")
    pages.look(page, "my-tasks-overdue")
    page.get_by_role("link", name="日历").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("待办日历")
    pages.look(page, "work-calendar-month")


def open_receive_task(username: str) -> Task:
    for task in selectors.actionable_tasks(user(username)).select_related("process").order_by("pk"):
        if task.flow_task.name == "receive":
            return task
    pytest.fail(f"the demo data has no hand-over waiting for {username}")


def test_a_police_officer_decides_a_hand_over_from_its_case(pages):
    """禁毒法 art 38; 戒毒条例 arts 20-21: the decision page shows the station's statement, the
    counter, the materials and the print; the officer writes a reason over several lines."""
    task = open_receive_task("police_chengguan")
    episode = Episode.objects.select_related("person").get(pk=task.process.artifact_object_id)
    handover = HandOver.objects.filter(episode=episode, received_on__isnull=True).latest("id")
    today = timezone.localdate()
    page = pages.login("police_chengguan")
    page.get_by_role("link", name="我的待办").first.click()
    # The police's list holds no talk or test of the station.
    expect(page.locator("main")).not_to_contain_text("登记谈话")
    expect(page.locator("main")).not_to_contain_text("登记检测")
    page.locator(f'a.button[href="/tasks/{task.pk}/"]').click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("公安接收并决定")
    case = page.locator("section").filter(has=page.get_by_role("heading", name="移交情况"))
    expect(case).to_contain_text(handover.get_reason_display())
    expect(case).to_contain_text(handover.documents)
    expect(case).to_contain_text(cn_date(handover.prepared_on))
    expect(case.get_by_role("link", name="打印移交材料")).to_have_attribute(
        "href", f"/handovers/{handover.pk}/print/"
    )
    pages.look(page, "handover-decision")

    page.get_by_label("接收日期").fill(today.isoformat())
    page.get_by_label("移交回执编号").fill("城公回执〔2026〕18号")
    page.get_by_label("继续执行").check()
    page.get_by_label("决定日期").fill(today.isoformat())
    reason = "经审查，该人员已认识错误，家属愿意配合监督。\n责令其按时接受检测，继续执行社区戒毒。"
    page.get_by_label("决定理由").fill(reason)
    page.get_by_role("button", name="提交并办结").click()
    expect(page.get_by_role("status")).to_contain_text("“公安接收并决定”已办结。")
    handover.refresh_from_db()
    assert (handover.decision, handover.received_on, handover.received_by.username) == (
        "continue",
        today,
        "police_chengguan",
    )
    assert handover.decision_reason == reason.replace("\n", "\r\n") or handover.decision_reason == reason


def a_person_to_refer():
    station = user("ws_chengguan")
    for episode in Episode.objects.filter(
        status="active", township=station.staff.agency.region, start_date__isnull=False
    ).order_by("pk"):
        if not Referral.objects.filter(episode=episode, kind="employment").exists():
            return station, episode
    pytest.fail("the demo data has no active episode without an employment referral")


def test_human_resources_receive_a_referral_message_and_accept_it(pages):
    """禁毒法 art 34 para 2: the referral arrives at the 人社所 as a message and a work item."""
    station, episode = a_person_to_refer()
    referral = referral_create(actor=station, episode=episode, kind="employment", needs="无业，希望学习驾驶")
    today = timezone.localdate()
    page = pages.login("hr_chengguan")
    expect(page.locator(".nav-unread")).to_be_visible()
    page.get_by_role("link", name=re.compile("^消息")).first.click()
    notice = page.locator("li.notice").filter(has_text="收到新的转介")
    expect(notice.first).to_contain_text(cn_date(today))
    expect(notice.first).not_to_contain_text(episode.person.name)
    pages.look(page, "referral-message")
    notice.first.get_by_role("link", name="打开转介").click()
    expect(page).to_have_url(re.compile(rf"/referrals/{referral.pk}/$"))
    page.get_by_label("受理", exact=True).check()
    page.get_by_label("日期", exact=True).fill(today.isoformat())
    pages.look(page, "referral-accept")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("status")).to_contain_text("已受理。")
    referral.refresh_from_db()
    assert (referral.status, referral.handled_by.username) == ("accepted", "hr_chengguan")
    page.get_by_role("link", name="我的待办").first.click()
    # Opening the referral read its message.
    expect(page.locator(".nav-unread")).to_have_count(0)
    expect(page.locator("#h-referrals")).to_be_visible()
    expect(page.locator("main")).to_contain_text(episode.person.name)
    pages.look(page, "my-tasks-referrals")
