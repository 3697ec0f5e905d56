"""Journey 5: the language switch in the top bar, and a talk recorded on a phone-sized screen.

The app speaks Chinese to an English-language browser until the user clicks "English"
(docs/decisions.md); the choice holds from page to page until they click "中文".
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from casework.models import Obligation, Person
from permissions import selectors
from tests.browser.conftest import PHONE
from tests.browser.helpers import cn_date, due_row, user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_switching_to_english_and_back(pages):
    page = pages.login("sw_chengguan", locale="en-US", look="login")
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="我的待办")).to_be_visible()

    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/persons/$"))
    nav = page.get_by_role("navigation", name="Main navigation")
    expect(nav.get_by_role("link", name="My to-dos")).to_be_visible()
    expect(page.get_by_label("Name, pinyin initials or ID number")).to_be_visible()
    expect(page.get_by_role("button", name="Search")).to_be_visible()
    pages.look(page, "persons-english")

    # the choice holds on the next page
    page.get_by_role("table").get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="To-dos and obligations")).to_be_visible()
    expect(page.get_by_role("link", name="Tests and talks")).to_be_visible()
    # dates follow the language too: "Dec. 21, 2026", not "2026年12月21日"
    expect(page.locator("#due tbody")).to_contain_text(re.compile(r"[A-Z][a-z]{2,3}\.? \d{1,2}, \d{4}"))
    expect(page.locator("#due tbody")).not_to_contain_text("年")
    pages.look(page, "person-file-english")

    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="待办与应办事项")).to_be_visible()
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的待办")).to_be_visible()
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="工作台").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("工作台")


def test_social_worker_records_a_talk_on_a_phone(pages):
    sw = user("sw_chengguan")
    person = next(
        p
        for p in selectors.visible_persons(sw)
        .filter(
            episodes__status="active",
            episodes__expected_end_date__gt=timezone.localdate() + timedelta(days=200),
        )
        .order_by("pk")
        if p.obligations.filter(kind="talk", status__in=Obligation.OPEN_STATUSES).exists()
        and Person.objects.filter(name=p.name).count() == 1
    )
    old_due = person.obligations.get(kind="talk", status__in=Obligation.OPEN_STATUSES).due_by
    today = timezone.localdate()

    page = pages.login("sw_chengguan", viewport=PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("link", name=person.name, exact=True).click()
    expect(due_row(page, "谈心谈话")).to_contain_text(cn_date(old_due))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    page.get_by_role("link", name="登记谈话走访").click()
    page.get_by_label("日期", exact=True).fill(today.isoformat())
    page.get_by_label("方式", exact=True).select_option(label="走访/家访")
    page.get_by_label("地点", exact=True).fill("本人家中")
    page.get_by_label("谈话内容").fill("上门走访，与本人及母亲交谈，近况稳定。")
    page.get_by_label("后续措施").fill("下月继续走访。")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    pages.look(page, "phone-talk-form")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_role("status")).to_contain_text("已保存，下次应办日期已更新。")
    new_due = person.obligations.get(kind="talk", status__in=Obligation.OPEN_STATUSES).due_by
    assert new_due > old_due
    expect(due_row(page, "谈心谈话")).to_contain_text(cn_date(new_due))
    talk = person.talks.order_by("-recorded_at").first()
    assert (talk.kind, talk.held_on, talk.staff) == ("home_visit", today, sw)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    pages.look(page, "phone-person-file")
