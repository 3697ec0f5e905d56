"""Journey: a village committee applies for the 无毒社区 title with its evidence (seed 第三篇 四(一)
自行申报), the township 禁毒办 checks it against the criteria and names it 镇级, and the county
禁毒办 finds it among its named communities."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_committee_applies_the_township_names_and_the_county_sees_it(pages, tmp_path):
    from django.utils import timezone

    year = timezone.localdate().year
    scan = tmp_path / "申报材料.png"
    scan.write_bytes(PNG)

    committee = pages.login("committee_heping_3")
    committee.get_by_role("navigation", name="主导航").get_by_role("link", name="无毒社区").click()
    committee.get_by_role("link", name="本社区申报与命名情况").click()
    expect(committee.get_by_role("heading", level=1)).to_contain_text("李庄村")
    committee.get_by_label("创建情况").fill(
        "成立创建领导小组；入户排查812户；签订禁种责任书；开展禁毒知识竞赛，参与率95%。"
    )
    committee.get_by_label("申报材料(PDF/JPEG/PNG)").set_input_files(str(scan))
    pages.look(committee, "drugfree-apply")
    committee.get_by_role("button", name="提交申报").click()
    expect(committee.get_by_text("已申报，等待乡镇禁毒办审核。")).to_be_visible()
    expect(committee.locator("main")).to_contain_text(f"{year} · 待乡镇审核")

    township = pages.login("sup_heping")
    township.get_by_role("navigation", name="主导航").get_by_role("link", name="无毒社区").click()
    township.get_by_role("heading", level=1, name="无毒社区评估").wait_for()
    expect(township.get_by_role("heading", name="李庄村")).to_be_visible()
    pages.look(township, "drugfree-assessment")
    township.get_by_role("link", name="申报与命名").click()
    township.get_by_role("link", name=f"李庄村 · {year} · 乡镇禁毒办审核命名").click()
    expect(township.get_by_role("heading", level=2, name=f"{year} 年度对照标准")).to_be_visible()
    township.get_by_label("达标，命名为镇级无毒社区").check()
    township.get_by_label("审核意见").fill("对照标准逐项核查，达标")
    pages.look(township, "drugfree-check")
    township.get_by_role("button", name="提交").click()
    expect(township.get_by_text("已办理：乡镇禁毒办审核命名。")).to_be_visible()
    expect(township.get_by_role("heading", level=1)).to_contain_text("镇级无毒社区")
    pages.look(township, "drugfree-community")

    county = pages.login("sup_county")
    county.goto("/drugfree/titles/named/")
    named = county.locator("main table")
    expect(named.get_by_role("row").filter(has_text="李庄村")).to_contain_text("镇级")
    expect(named).to_contain_text("东门社区")
    county.get_by_role("link", name="申报与命名").click()
    expect(county.get_by_role("link", name=f"李庄村 · {year} · 县禁毒办县级命名")).to_be_visible()
    county.goto("/drugfree/titles/named/")
    pages.look(county, "drugfree-named")
