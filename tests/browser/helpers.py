"""Small helpers shared by the browser journeys."""

from datetime import date

from django.contrib.auth.models import User
from playwright.sync_api import Page


def cn_date(day: date) -> str:
    """The date as the pages show it: 2026年3月5日."""
    return f"{day.year}年{day.month}月{day.day}日"


def due_row(page: Page, label: str):
    """The row of the 待办与应办事项 table on a person's page whose first cell names `label`."""
    return page.locator("#due tbody tr").filter(has=page.locator("td:first-child", has_text=label))


def user(username: str) -> User:
    return User.objects.get(username=username)


def section(page: Page, heading: str):
    """The card (<section>) whose heading is `heading`."""
    return page.locator("section").filter(has=page.get_by_role("heading", name=heading, exact=True))


def fill_registration(
    page: Page,
    *,
    name: str,
    id_number: str,
    sex: str,
    birth: date,
    decided_on: date,
    served_on: date,
    decision_number: str,
    community: str = "东门社区",
) -> None:
    """Fill the 登记决定书 form (/persons/new/) with a 社区戒毒 decision; do not submit."""
    page.get_by_label("姓名", exact=True).fill(name)
    page.get_by_label("公民身份号码").fill(id_number)
    page.get_by_label("性别").select_option(label=sex)
    page.get_by_label("出生日期").fill(birth.isoformat())
    page.get_by_label("联系电话").fill("13912345678")
    page.get_by_label("户籍地址").fill("城关镇东门路18号")
    page.get_by_label("户籍地", exact=True).select_option(label=community)
    page.get_by_label("居住地址").fill("城关镇东门路18号")
    page.get_by_label("居住地", exact=True).select_option(label=community)
    page.get_by_label("滥用毒品种类").fill("甲基苯丙胺(冰毒)")
    page.get_by_label("类别").select_option(label="社区戒毒")
    page.get_by_label("决定书文号").fill(decision_number)
    page.get_by_label("决定日期").fill(decided_on.isoformat())
    page.get_by_label("决定机关").fill("城关县公安局")
    page.get_by_label("送达日期").fill(served_on.isoformat())
    page.get_by_label("责任社区").select_option(label=community)


def open_my_task(page: Page, step: str, person_name: str) -> None:
    """Go to 我的待办 by the top bar and open `step` for the person."""
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的待办").click()
    row = (
        page.locator("tr")
        .filter(has=page.get_by_role("link", name=step, exact=True))
        .filter(has=page.get_by_role("link", name=person_name, exact=True))
    )
    row.get_by_role("link", name="办理").click()
    page.get_by_role("heading", level=1, name=step).wait_for()
