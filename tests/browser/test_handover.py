"""Journey 3: a person does not report in; the work station hands the case to the police, who decide.

戒毒条例 arts 14 and 21, 禁毒法 art 38(1): past the reporting deadline the work station checks for
a legitimate reason; without one it hands the file to the police station, which receives it and
may order compulsory isolated detox (强制隔离戒毒). The judicial office still sees the person but
no talk notes; a township with no part in the case gets "not found".
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from viewflow.workflow.timers import fire_due_timers

from casework.idnumber import make_id_number
from casework.models import Episode, HandOver, Person
from tests.browser.helpers import fill_registration, open_my_task, section

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NAME = "司马文博"


def test_late_person_is_handed_to_the_police_who_order_compulsory_detox(pages):
    today = timezone.localdate()
    birth = date(1987, 9, 2)
    id_number = make_id_number("320999", birth, 411, "M")
    assert not Person.objects.filter(name=NAME).exists()

    # served 20 days ago: the 15-day deadline has passed
    ws = pages.login("ws_chengguan")
    ws.goto("/persons/new/")
    fill_registration(
        ws,
        name=NAME,
        id_number=id_number,
        sex="男",
        birth=birth,
        decided_on=today - timedelta(days=21),
        served_on=today - timedelta(days=20),
        decision_number="城公(禁)决字〔2026〕0902号",
        community="西门社区",
    )
    ws.get_by_role("button", name="保存").click()
    expect(ws.get_by_role("status")).to_contain_text("已登记")
    expect(section(ws, "执行记录")).to_contain_text("已逾期")
    person = Person.objects.get(id_number=id_number)

    fire_due_timers()  # what the workflow_timers job does every minute

    # the work station checks: no legitimate reason
    open_my_task(ws, "逾期未报到核实", NAME)
    ws.get_by_label("无正当理由，视为拒绝，移交公安").check()
    ws.get_by_label("情况说明").fill("多次电话、上门通知，本人拒不报到。")
    pages.look(ws, "task-refusal-check")
    ws.get_by_role("button", name="提交并办结").click()
    expect(ws.get_by_role("status")).to_contain_text("“逾期未报到核实”已办结。")

    # and hands the file to the police station
    open_my_task(ws, "移交公安", NAME)
    ws.get_by_label("移交日期").fill(today.isoformat())
    ws.get_by_label("逾期未报到证明").check()
    ws.get_by_label("告诫书").check()
    ws.get_by_role("button", name="提交并办结").click()
    expect(ws.get_by_role("status")).to_contain_text("“移交公安”已办结。")
    expect(section(ws, "执行记录")).to_contain_text("逾期未报到已移交")
    expect(ws.get_by_role("region", name="待办与应办事项")).to_contain_text("由其他单位办理")

    # the police officer receives it from his task list and decides
    police = pages.login("police_chengguan")
    police.get_by_role("navigation", name="主导航").get_by_role("link", name="我的待办").click()
    expect(police.get_by_role("region", name="流程步骤")).to_contain_text(NAME)
    pages.look(police, "my-tasks-police")
    open_my_task(police, "公安接收并决定", NAME)
    police.get_by_label("接收日期").fill(today.isoformat())
    police.get_by_label("移交回执编号").fill("城关派出所回执〔2026〕17号")
    police.get_by_label("决定强制隔离戒毒").check()
    police.get_by_label("决定理由").fill("拒绝接受社区戒毒")
    pages.look(police, "task-police-decision")
    police.get_by_role("button", name="提交并办结").click()

    expect(police.get_by_role("status")).to_contain_text("“公安接收并决定”已办结。")
    expect(section(police, "执行记录").locator(".badge")).to_have_text("强制隔离戒毒")
    expect(police.locator(".timeline")).to_contain_text("公安机关决定强制隔离戒毒（拒绝接受社区戒毒）")
    pages.look(police, "person-file-compulsory")
    episode = person.episodes.get()
    assert (episode.status, episode.closed_on) == (Episode.Status.COMPULSORY, today)
    handover = HandOver.objects.get(episode=episode)
    assert (handover.decision, handover.receipt_number) == ("compulsory", "城关派出所回执〔2026〕17号")

    # the judicial office opens the records tab: no talk notes
    judicial = pages.login("judicial_chengguan")
    judicial.goto(f"/persons/{person.pk}/")
    judicial.get_by_role("link", name="检测与谈话").click()
    expect(judicial.get_by_role("heading", level=1)).to_contain_text(NAME)
    expect(judicial.get_by_role("heading", name="谈话走访")).to_have_count(0)
    expect(judicial.locator("main")).to_contain_text("您不能查看此人的检测和谈话记录")

    # another township's work station: not found, as if the person did not exist
    other = pages.login("ws_heping")
    response = other.goto(f"/persons/{person.pk}/")
    assert response.status == 404
    expect(other.get_by_role("heading", level=1)).to_have_text("找不到该页面")
    expect(other.locator("main")).not_to_contain_text(NAME)
    pages.look(other, "not-found")
