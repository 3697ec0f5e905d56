"""Journey 2: the work station registers a new 社区戒毒 decision and takes the person through intake.

Registration opens the intake flow; 报到登记, 签订协议, 制定计划 and 组建帮教小组 are done from
我的待办 (戒毒条例 arts 14-17). The episode is then 执行中 and the first drug test and talk are due.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework.idnumber import make_id_number
from casework.models import Episode, Obligation, Person
from tests.browser.helpers import cn_date, due_row, fill_registration, open_my_task, section

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NAME = "欧阳明轩"


def test_work_station_registers_a_decision_and_completes_the_intake(pages):
    today = timezone.localdate()
    birth = date(1991, 3, 14)
    id_number = make_id_number("320999", birth, 377, "M")
    assert not Person.objects.filter(name=NAME).exists()
    assert not Person.objects.filter(id_number=id_number).exists()

    page = pages.login("ws_chengguan")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="工作台").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("工作台")
    expect(page.get_by_role("region", name="待报到")).to_be_visible()
    pages.look(page, "home")
    page.get_by_role("link", name="登记新的决定书").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("登记决定书")
    fill_registration(
        page,
        name=NAME,
        id_number=id_number,
        sex="男",
        birth=birth,
        decided_on=today - timedelta(days=2),
        served_on=today - timedelta(days=1),
        decision_number="城公(禁)决字〔2026〕0901号",
    )
    pages.look(page, "registration-form")
    page.get_by_role("button", name="保存").click()

    deadline = today - timedelta(days=1) + timedelta(days=15)
    expect(page.get_by_role("status")).to_contain_text(
        f"已登记。报到期限：{deadline.year}年{deadline.month}月{deadline.day}日"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text(NAME)
    episodes = section(page, "执行记录")
    expect(episodes).to_contain_text("社区戒毒")
    expect(episodes).to_contain_text("待报到")
    expect(due_row(page, "报到登记")).to_contain_text("流程待办")
    person = Person.objects.get(id_number=id_number)
    assert person.episodes.get().status == Episode.Status.DECIDED

    # 报到登记 from my tasks
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的待办").click()
    steps = page.get_by_role("region", name="流程步骤")
    expect(steps.locator("tr").filter(has_text=NAME)).to_contain_text(cn_date(deadline))
    pages.look(page, "my-tasks")
    open_my_task(page, "报到登记", NAME)
    page.get_by_label("报到日期").fill(today.isoformat())
    pages.look(page, "task-report-in")
    page.get_by_role("button", name="提交并办结").click()
    expect(page.get_by_role("status")).to_contain_text("“报到登记”已办结。")
    expect(section(page, "执行记录")).to_contain_text("已报到")

    # 签订协议: the standard terms are filled in
    open_my_task(page, "签订协议", NAME)
    expect(page.get_by_label("戒毒措施")).not_to_be_empty()
    page.get_by_label("签订日期").fill(today.isoformat())
    page.get_by_role("button", name="提交并办结").click()
    expect(page.get_by_role("status")).to_contain_text("“签订协议”已办结。")

    # 制定计划
    open_my_task(page, "制定计划", NAME)
    page.get_by_label("制定日期").fill(today.isoformat())
    page.get_by_label("现实表现").fill("按时报到，态度端正，父母支持戒毒。")
    page.get_by_label("动员参加美沙酮维持治疗").check()
    page.get_by_label("心理辅导计划").fill("每月谈心谈话一次。")
    pages.look(page, "task-plan")
    page.get_by_role("button", name="提交并办结").click()
    expect(page.get_by_role("status")).to_contain_text("“制定计划”已办结。")

    # 组建帮教小组: the six parties
    open_my_task(page, "组建帮教小组", NAME)
    page.get_by_label("开始日期").fill(today.isoformat())
    for label, agency in (("社区/社工", "工作站"), ("派出所民警", "城关派出所"), ("司法所", "城关司法所")):
        select = page.get_by_label(label, exact=True)
        option = select.locator("option").filter(has_text=agency).first.get_attribute("value")
        select.select_option(value=option)
    page.get_by_label("家庭成员姓名").fill("欧阳建国")
    page.get_by_label("家庭成员电话").fill("13900001111")
    pages.look(page, "task-team")
    page.get_by_role("button", name="提交并办结").click()
    expect(page.get_by_role("status")).to_contain_text("“组建帮教小组”已办结。")

    # the person's page: running, with the first test and talk due
    episode = person.episodes.get()
    assert episode.status == Episode.Status.ACTIVE
    due = dict(
        Obligation.objects.filter(episode=episode, status=Obligation.Status.PENDING).values_list(
            "kind", "due_by"
        )
    )
    assert set(due) == {"drug_test", "talk"}
    expect(section(page, "执行记录").locator(".badge")).to_have_text("执行中")
    expect(due_row(page, "吸毒检测")).to_contain_text(cn_date(due["drug_test"]))
    expect(due_row(page, "谈心谈话")).to_contain_text(cn_date(due["talk"]))
    expect(due_row(page, "报到登记")).to_have_count(0)
    team = page.get_by_role("region", name="帮教小组")
    for role in ("社区/社工", "派出所", "司法所", "家庭"):
        expect(team).to_contain_text(role)
    expect(team).to_contain_text("欧阳建国")
    expect(page.locator(".timeline")).to_contain_text("帮教小组组建，开始执行")
    pages.look(page, "person-file-new")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的待办").click()
    expect(page.get_by_role("region", name="流程步骤").locator("tr").filter(has_text=NAME)).to_have_count(0)
