"""Journey: a work station brings its caseload in (template, upload, preview, commit), takes one
person's case file (卷宗) out as a PDF, and the township supervisor has the township's files built
as a zip by a real Celery worker on the real Redis, watching its progress on the page."""

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from casework.models import Person, Region
from tests.caseload.builders import history_for, person_row, workbook_bytes

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_work_station_imports_a_caseload_and_the_supervisor_takes_the_files_out(
    pages, celery_worker, tmp_path, cjk_font
):
    today = timezone.localdate()
    township = Region.objects.get(name="城关镇")
    community = Region.objects.get(name="东门社区", path__startswith=township.path)
    start = today - timedelta(days=400)
    rows = [
        person_row(
            9001 + i,
            community,
            reported=start if i % 2 == 0 else None,
            served=(start if i % 2 == 0 else today) - timedelta(days=3),
            sw="sw_chengguan",
            police_user="police_chengguan",
            name=f"导入{'甲乙丙'[i]}",
        )
        for i in range(3)
    ]
    tests, talks = history_for(rows[0], today, every_months=2)
    upload = tmp_path / "城关镇名册.xlsx"
    upload.write_bytes(workbook_bytes(rows, tests, talks))

    page = pages.login("ws_chengguan")
    page.goto("/caseload/import/")
    page.get_by_role("heading", level=1, name="导入已有名册").wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载模板（城关镇）").click()
    template = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert template.sheetnames == ["人员", "检测记录", "谈话走访", "允许值"]
    pages.look(page, "caseload-upload")

    page.get_by_label("名册文件（.xlsx 或 .csv）").set_input_files(str(upload))
    page.get_by_role("button", name="上传并检查").click()
    page.get_by_role("heading", level=1, name="导入预览：城关镇名册.xlsx").wait_for()
    expect(page.locator("main")).to_contain_text("新建 3")
    pages.look(page, "caseload-preview")
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator("main")).to_contain_text("已导入：新建 3 人")
    assert Person.objects.filter(name__startswith="导入").count() == 3

    # the case file of the person with the history, from the person's page
    person = Person.objects.get(name="导入甲")
    page.goto(f"/persons/{person.pk}/")
    page.get_by_role("link", name="导出档案PDF").click()
    page.get_by_role("heading", level=1).filter(has_text="导出个人档案（卷宗）PDF").wait_for()
    with page.expect_download(timeout=90_000) as download:
        page.get_by_role("button", name="下载 PDF").click()
    pdf = PdfReader(download.value.path())
    text = "\n".join(p.extract_text() for p in pdf.pages)
    assert "检测记录" in text and "导入甲" in text and person.id_number not in text

    # the township's files at once, built by the worker while the page shows the progress
    sup = pages.login("sup_chengguan")
    sup.goto("/caseload/casefiles/")
    sup.get_by_label("导出理由").fill("年度档案检查")
    sup.get_by_role("button", name="开始生成").click()
    progress = sup.locator("li[id^=archive-]").first
    expect(progress).to_contain_text("人")
    pages.look(sup, "caseload-archive-progress")
    try:
        expect(sup.get_by_role("link", name="下载 zip")).to_be_visible(timeout=600_000)
    except AssertionError:
        celery_worker.terminate()
        raise AssertionError(
            f"{progress.inner_text()}\n{celery_worker.communicate(timeout=20)[1].decode()[-3000:]}"
        ) from None
    pages.look(sup, "caseload-archive")
    with sup.expect_download() as download:
        sup.get_by_role("link", name="下载 zip").click()
    bundle = zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes()))
    names = bundle.namelist()
    assert any("导入甲" in n for n in names) and all(n.endswith(".pdf") for n in names)
    assert celery_worker.poll() is None, "the worker stopped"
