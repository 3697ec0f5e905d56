"""Journeys after intake, through the real pages in Chromium, on the demo county.

1. Breach and hand-over: the work station confirms refused tests one by one (戒毒条例 art 20:
   nothing is counted from a missed date alone) and sees the counter on the person's file; the
   third refusal is a serious breach and opens the hand-over (art 21), the station prepares the
   package (an A4 print of two pages: the certificate of serious breach and the receipt), the
   police station receives it and lets the measure continue (禁毒法 art 38).
2. A reported trip out of the county (戒毒条例 art 19) and the return check-in, on a phone too.
3. A transfer of the execution place (戒毒条例 art 22) accepted by the other township's station.
4. Detox certification: the station proposes, the 禁毒办 approves from 我的待办, and the
   certificate prints on one A4 page with the person's data.

Every key page goes through ``pages.look`` (axe-core, screenshots at 1366 and 390 px).
"""

import re
from datetime import timedelta

import pytest
from django.db.models import Max
from django.utils import timezone
from playwright.sync_api import expect

from casework.models import (
    Absence,
    Breach,
    Certification,
    DrugTest,
    Episode,
    HandOver,
    Obligation,
    Person,
    Transfer,
)
from permissions import selectors
from tests.browser.conftest import SCREENSHOTS
from tests.browser.helpers import cn_date, open_my_task, section, user
from workflows.branches.records import drug_test_record

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

A4_PORTRAIT = {"width": 794, "height": 1123}  # 210 x 297 mm at 96 dpi


def active_person(username: str, *, skip=(), months_in: int = 0) -> tuple[Person, Episode]:
    """An active person of the user's township, with a unique name, well inside the order."""
    today = timezone.localdate()
    visible = selectors.visible_persons(user(username)).filter(
        episodes__status=Episode.Status.ACTIVE,
        episodes__expected_end_date__gt=today + timedelta(days=200),
        episodes__start_date__lte=today - timedelta(days=31 * months_in),
    )
    for person in visible.exclude(pk__in=skip).order_by("pk"):
        episode = person.episodes.get(status=Episode.Status.ACTIVE)
        if (
            Person.objects.filter(name=person.name).count() == 1
            and not episode.breaches.exists()
            and not episode.absences.exists()
        ):
            return person, episode
    pytest.fail(f"the demo data has no suitable person for {username}")


def refused_test(person: Person, episode: Episode, days_ago: int) -> DrugTest:
    """A urine test the person refused, recorded by the police station (opens a follow-up)."""
    sex = person.sex
    return drug_test_record(
        actor=user("police_chengguan"),
        episode=episode,
        tested_on=timezone.localdate() - timedelta(days=days_ago),
        place="城关派出所",
        result=DrugTest.Result.REFUSED,
        collector_1="王建华" if sex == "M" else "王丽华",
        collector_1_sex=sex,
        collector_2="李国强" if sex == "M" else "李秀英",
        collector_2_sex=sex,
    )


def printed(page, name: str) -> int:
    """Print the page to an A4 PDF as the browser's print dialog would, photograph it at A4 width
    as printed (no print button), and return the PDF's page count."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(A4_PORTRAIT)
    page.emulate_media(media="print")
    page.screenshot(path=SCREENSHOTS / f"{name}-a4.png", full_page=True)
    pdf = page.pdf(path=str(SCREENSHOTS / f"{name}.pdf"), format="A4", prefer_css_page_size=True)
    page.emulate_media(media="screen")
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_refused_tests_are_counted_then_handed_to_the_police_who_let_the_measure_continue(pages):
    """戒毒条例 arts 20-21, 禁毒法 art 38: three confirmed refusals are a serious breach."""
    person, episode = active_person("ws_chengguan")
    tests = [refused_test(person, episode, days) for days in (40, 20, 3)]
    today = timezone.localdate()

    # the first refusal: the follow-up from 我的待办, confirmed as a breach
    ws = pages.login("ws_chengguan")
    ws.get_by_role("navigation", name="主导航").get_by_role("link", name="我的待办").click()
    row = (
        ws.locator("tr")
        .filter(has=ws.get_by_role("link", name="处置异常检测结果", exact=True))
        .filter(has=ws.get_by_role("link", name=person.name, exact=True))
    )
    expect(row).to_have_count(3)
    row.first.get_by_role("link", name="办理").click()
    ws.get_by_label("确认为逃避或拒绝检测，计入违反协议次数并批评教育").check()
    ws.get_by_label("情况说明").fill("本人拒绝采样，经核实无正当理由，已批评教育。")
    ws.get_by_role("button", name="提交并办结").click()
    expect(ws.get_by_role("status")).to_contain_text("已办结")

    ws.goto(f"/persons/{person.pk}/")
    counter = ws.locator(".breach-panel")
    expect(counter).to_contain_text("逃避或拒绝检测")
    expect(counter).to_contain_text("1 次")
    pages.look(ws, "lifecycle-breach-counter")

    # the other two from the 违规与外出 tab
    for test in tests:
        if Breach.objects.filter(drug_test=test).exists():
            continue
        ws.get_by_role("link", name="违规与外出", exact=True).click()
        ws.get_by_role("link", name="确认违反协议").click()
        ws.get_by_label("违反协议类别").select_option(label="拒绝接受检测")
        ws.get_by_label("对应检测(逃避或拒绝检测时必选)").select_option(
            label=f"{cn_date(test.tested_on)} 拒绝检测"
        )
        ws.get_by_label("情况说明").fill("通知后拒绝到派出所采样。")
        if Breach.objects.filter(episode=episode).count() == 2:
            pages.look(ws, "lifecycle-breach-confirm")
        ws.get_by_role("button", name="保存").click()
        expect(ws.get_by_role("heading", level=1)).to_contain_text("违规与外出记录")
    expect(ws.get_by_role("status")).to_contain_text("构成严重违反协议")
    expect(ws.locator("main")).to_contain_text("3 次")
    pages.look(ws, "lifecycle-breaches")
    assert Breach.objects.filter(episode=episode).count() == 3

    # the hand-over package
    open_my_task(ws, "准备移交材料", person.name)
    ws.get_by_label("移交日期").fill(today.isoformat())
    ws.get_by_label("严重违反协议证明").check()
    ws.get_by_label("移交回执").check()
    pages.look(ws, "lifecycle-handover-prepare")
    ws.get_by_role("button", name="提交并办结").click()
    expect(ws.get_by_role("status")).to_contain_text("已办结")
    handover = HandOver.objects.get(episode=episode, reason="serious_breach")

    ws.goto(f"/persons/{person.pk}/")
    ws.locator(".breach-panel").get_by_role("link", name="打印移交材料").click()
    expect(ws.get_by_role("heading", level=1).first).to_have_text("严重违反社区戒毒协议证明")
    doc = ws.locator("body")
    for text in (person.name, person.get_sex_display(), cn_date(person.birth_date), episode.decision_number):
        expect(doc).to_contain_text(text)
    expect(doc).to_contain_text("3 次")
    assert printed(ws, "lifecycle-handover-print") == 2  # the certificate, then the receipt
    pages.look(ws, "lifecycle-handover-print")

    # the police station receives and lets the measure continue
    police = pages.login("police_chengguan")
    open_my_task(police, "公安接收并决定", person.name)
    police.get_by_label("接收日期").fill(today.isoformat())
    police.get_by_label("移交回执编号").fill("城关派出所回执〔2026〕31号")
    police.get_by_label("继续执行").check()
    police.get_by_label("决定日期").fill(today.isoformat())
    police.get_by_label("决定理由").fill("本人认错态度好，家属担保，继续社区戒毒")
    pages.look(police, "lifecycle-police-decision")
    police.get_by_role("button", name="提交并办结").click()
    expect(police.get_by_role("status")).to_contain_text("已办结")
    handover.refresh_from_db()
    episode.refresh_from_db()
    assert (handover.decision, handover.receipt_number) == ("continue", "城关派出所回执〔2026〕31号")
    assert episode.status == Episode.Status.ACTIVE
    police.goto(f"/persons/{person.pk}/")
    expect(section(police, "执行记录").locator(".badge").first).to_have_text("执行中")
    pages.look(police, "lifecycle-file-after-handover")


def test_a_reported_trip_and_the_return_check_in(pages):
    """戒毒条例 art 19: leaving the county for 3 days or more needs a written report before leaving."""
    person, episode = active_person("ws_chengguan")
    today = timezone.localdate()
    leaves, back = today - timedelta(days=6), today + timedelta(days=2)

    ws = pages.login("ws_chengguan")
    ws.goto(f"/persons/{person.pk}/")
    ws.get_by_role("link", name="违规与外出", exact=True).click()
    ws.get_by_role("link", name="登记外出报告").click()
    ws.get_by_label("书面报告日期").fill((leaves - timedelta(days=1)).isoformat())
    ws.get_by_label("离开日期").fill(leaves.isoformat())
    ws.get_by_label("预计返回日期").fill(back.isoformat())
    ws.get_by_label("目的地").fill("江苏省南京市鼓楼区")
    ws.get_by_label("事由").fill("探望住院的母亲")
    ws.get_by_label("外出期间联系电话").fill("13912345678")
    pages.look(ws, "lifecycle-absence-report")
    ws.get_by_role("button", name="保存").click()
    expect(ws.get_by_role("status")).to_contain_text("外出报告已登记")
    absences = ws.get_by_role("region", name="外出报告")
    expect(absences).to_contain_text("江苏省南京市鼓楼区")
    expect(absences).to_contain_text(cn_date(leaves))
    pages.look(ws, "lifecycle-absence-away")
    assert Obligation.objects.filter(episode=episode, kind="absence_back", status="pending").exists()

    # back home: the return check-in, on the worker's phone
    phone = pages.login("ws_chengguan", viewport={"width": 390, "height": 844})
    phone.goto(f"/persons/{person.pk}/breaches/")
    phone.get_by_role("link", name="销假").click()
    phone.get_by_label("返回销假日期").fill(today.isoformat())
    phone.get_by_role("button", name="保存").click()
    expect(phone.get_by_role("status")).to_contain_text("已销假")
    expect(phone.get_by_role("region", name="外出报告")).to_contain_text(cn_date(today))
    pages.look(phone, "lifecycle-absence-returned")
    absence = Absence.objects.get(episode=episode)
    assert (absence.status, absence.returned_on) == ("returned", today)
    assert not Obligation.objects.filter(episode=episode, kind="absence_back", status="pending").exists()


def test_a_transfer_is_accepted_by_the_other_townships_station(pages):
    """戒毒条例 art 22: the receiving station accepts; the person reports there within 15 days."""
    person, episode = active_person("ws_chengguan")
    today = timezone.localdate()

    ws = pages.login("ws_chengguan")
    ws.goto(f"/persons/{person.pk}/")
    # the agreement and the plan signed at intake print on one A4 page each
    for link, title, name in (
        ("打印协议", "社区戒毒协议", "agreement"),
        ("打印计划", "社区戒毒计划", "plan"),
    ):
        section(ws, "执行记录").get_by_role("link", name=link).click()
        expect(ws.get_by_role("heading", level=1)).to_contain_text(title)
        expect(ws.locator("body")).to_contain_text(person.name)
        assert printed(ws, f"lifecycle-{name}-print") == 1
        ws.set_viewport_size({"width": 1366, "height": 900})
        ws.go_back()
    ws.get_by_role("link", name="申请变更执行地").click()
    ws.get_by_label("新执行地乡镇(街道)").select_option(label="和平镇")
    ws.get_by_label("变更原因").fill("随子女迁居和平镇")
    ws.get_by_label("新居住地址").fill("和平镇新华路66号")
    ws.get_by_label("申请日期").fill(today.isoformat())
    pages.look(ws, "lifecycle-transfer-request")
    ws.get_by_role("button", name="保存").click()
    expect(ws.get_by_role("status")).to_be_visible()
    expect(section(ws, "执行记录").locator(".badge").first).to_have_text("变更执行地中")

    heping = pages.login("ws_heping")
    open_my_task(heping, "接收或拒绝变更执行地", person.name)
    heping.get_by_label("同意接收", exact=True).check()
    heping.get_by_label("办理日期").fill(today.isoformat())
    heping.get_by_label("责任社区").select_option(label="新华社区")
    pages.look(heping, "lifecycle-transfer-accept")
    heping.get_by_role("button", name="提交并办结").click()
    expect(heping.get_by_role("status")).to_contain_text("已办结")
    transfer = Transfer.objects.get(episode=episode)
    assert (transfer.status, transfer.decided_on) == ("accepted", today)
    episode.refresh_from_db()
    assert episode.township.name == "和平镇"

    heping.goto("/transfers/")
    expect(heping.locator("main")).to_contain_text(person.name)
    pages.look(heping, "lifecycle-transfer-history")
    heping.goto(f"/persons/{person.pk}/")
    expect(section(heping, "执行记录")).to_contain_text("和平镇")
    pages.look(heping, "lifecycle-transfer-file")


def make_certifiable(person: Person, episode: Episode) -> None:
    """Six scheduled negative urine tests, one a month up to last week (the region's default)."""
    today = timezone.localdate()
    sequence = (
        Obligation.objects.filter(episode=episode, kind="drug_test").aggregate(n=Max("sequence"))["n"] or 0
    )
    for i in range(6):
        tested_on = today - timedelta(days=7 + 30 * (5 - i))
        obligation = Obligation.objects.create(
            episode=episode,
            person=person,
            kind="drug_test",
            sequence=sequence + 1 + i,
            programme_year=2,
            due_from=tested_on - timedelta(days=10),
            due_by=tested_on,
            township=episode.township,
            status="done",
            done_on=tested_on,
        )
        DrugTest.objects.create(
            episode=episode,
            person=person,
            obligation=obligation,
            tested_on=tested_on,
            place="城关镇社区戒毒社区康复工作站",
            result=DrugTest.Result.NEGATIVE,
            collector_1="王丽华" if person.sex == "F" else "王建华",
            collector_1_sex=person.sex,
            collector_2="李秀英" if person.sex == "F" else "李国强",
            collector_2_sex=person.sex,
            recorded_by=user("ws_chengguan"),
        )


def test_a_supervisor_approves_a_certification_and_the_certificate_prints(pages):
    """rules.md §3.1: the region's criteria met, the station proposes, the 禁毒办 approves."""
    person, episode = active_person("ws_chengguan", months_in=14)
    make_certifiable(person, episode)
    today = timezone.localdate()

    ws = pages.login("ws_chengguan")
    ws.goto(f"/persons/{person.pk}/")
    ws.get_by_role("link", name="认定与帮扶", exact=True).click()
    ws.get_by_role("link", name="认定条件核查与提请").click()
    expect(ws.locator("main")).not_to_contain_text("不符合")
    ws.get_by_label("提请日期").fill(today.isoformat())
    ws.get_by_label("执行情况小结").fill(
        "执行期间按时报到、接受检测，最近6次尿检均为阴性；在家具厂务工，家庭支持。"
    )
    pages.look(ws, "lifecycle-certification-propose")
    ws.get_by_role("button", name="提请认定").click()
    expect(ws.get_by_role("status")).to_be_visible()

    sup = pages.login("sup_chengguan")
    open_my_task(sup, "审批脱毒认定", person.name)
    sup.get_by_label("同意认定", exact=True).check()
    sup.get_by_label("审批日期").fill(today.isoformat())
    sup.get_by_label("证明编号").fill("城关禁毒认字〔2026〕8号")
    pages.look(sup, "lifecycle-certification-approve")
    sup.get_by_role("button", name="提交并办结").click()
    expect(sup.get_by_role("status")).to_contain_text("已办结")
    certification = Certification.objects.get(episode=episode)
    assert (certification.status, certification.decided_on) == ("approved", today)

    sup.goto(f"/persons/{person.pk}/support/")
    pages.look(sup, "lifecycle-support-tab")
    sup.get_by_role("link", name="打印证明").click()
    expect(sup.get_by_role("heading", level=1)).to_have_text("脱毒认定证明")
    doc = sup.locator("body")
    for text in (person.name, cn_date(person.birth_date), episode.decision_number, "城关禁毒认字〔2026〕8号"):
        expect(doc).to_contain_text(text)
    expect(doc).not_to_contain_text("认定之日起")
    assert printed(sup, "lifecycle-certificate") == 1
    pages.look(sup, "lifecycle-certificate")
