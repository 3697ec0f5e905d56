"""Journey 4: a county supervisor audits overdue steps, drills down to a township and a person,
and exports the list; a township supervisor sees only their own township."""

from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from obligations.services import obligations_scan
from oversight.audit import overdue_rows
from tests.browser.helpers import section

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_supervisor_drills_down_to_a_person_and_exports_the_overdue_list(pages):
    from django.contrib.auth.models import User

    obligations_scan(timezone.localdate())
    county_rows = list(overdue_rows(User.objects.get(username="sup_county"), timezone.localdate()))
    assert county_rows, "the demo county has overdue steps"

    page = pages.login("sup_county")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="逾期督查").click()
    page.get_by_role("heading", level=1, name="逾期事项督查").wait_for()
    expect(page.get_by_role("heading", name=f"逾期事项 {len(county_rows)} 项")).to_be_visible()
    pages.look(page, "overdue-audit")

    # drill down: the township's row in the county table narrows the list to that township
    drill = section(page, "城关县各下级区域逾期情况")
    drill.get_by_role("link", name="城关镇", exact=True).click()
    township_rows = [r for r in county_rows if r[3] == "城关镇"]
    listing = section(page, f"逾期事项 {len(township_rows)} 项")
    expect(listing).to_be_visible()
    expect(listing).not_to_contain_text("和平镇")
    expect(section(page, "按负责人统计（未办事项）")).not_to_contain_text("和平镇")

    # through the one door to the person
    first_name = township_rows[0][2]
    page.locator("tbody").get_by_role("link", name=first_name).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(first_name)

    # export what the list shows
    page.go_back()
    with page.expect_download() as download:
        page.get_by_role("link", name="导出 Excel").click()
    with open(download.value.path(), "rb") as fh:
        sheet = load_workbook(BytesIO(fh.read())).active
    exported = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(exported) == len(township_rows)
    assert {row[2] for row in exported} == {"城关镇"}

    # a township supervisor never sees the other township
    heping = pages.login("sup_heping")
    heping.goto("/oversight/overdue/")
    expect(heping.locator("main")).not_to_contain_text("城关镇")
