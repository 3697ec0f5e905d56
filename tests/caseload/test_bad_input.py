"""Bad files: a clear Chinese message and nothing written (never a 500 or a half save)."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from caseload.models import CaseloadImport
from caseload.sheet import FileRefused, workbook_read
from casework.models import Person
from tests.caseload.builders import person_row, workbook_bytes

pytestmark = pytest.mark.django_db


def _sheet(rows_fn) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes([])))
    rows_fn(wb["人员"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_not_a_spreadsheet():
    with pytest.raises(FileRefused, match="不是 Excel（.xlsx）或 CSV 文件"):
        workbook_read("photo.jpg", b"\xff\xd8\xff\xe0" + bytes(range(256)) * 10)
    with pytest.raises(FileRefused, match="旧版 Excel"):
        workbook_read("a.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(FileRefused, match="已损坏"):
        workbook_read("a.xlsx", b"PK\x03\x04broken")


def test_missing_and_renamed_columns_are_named(world):
    content = workbook_bytes([], headers={"公民身份号码": "身份证号"})
    with pytest.raises(FileRefused) as refused:
        workbook_read("a.xlsx", content)
    assert "缺少必填列：公民身份号码" in str(refused.value) and "无法识别的列：身份证号" in str(refused.value)


def test_merged_cells_and_too_many_rows(world):
    merged = _sheet(lambda ws: (ws.append(["a"] * 5), ws.merge_cells("A2:B2")))
    with pytest.raises(FileRefused, match="合并单元格（A2:B2）"):
        workbook_read("a.xlsx", merged)
    big = _sheet(lambda ws: [ws.append([f"x{i}"]) for i in range(50_000)])
    with pytest.raises(FileRefused, match="有 50000 行，超过每个文件 10000 行的上限"):
        workbook_read("a.xlsx", big)


def test_a_formula_and_a_person_twice_are_named_by_row(world):
    from caseload.checks import caseload_check

    today = timezone.localdate()
    row = person_row(1, world["c1"], reported=None, served=today - timedelta(days=2))
    twice = dict(row, decision_number="另一个文号")
    content = workbook_bytes(
        [
            row,
            twice,
            person_row(2, world["c1"], reported=None, served=today - timedelta(days=2), phone="=1+1"),
        ]
    )
    check = caseload_check(township=world["t1"], file_name="a.xlsx", content=content)
    messages = [str(p) for p in check.problems]
    assert "“人员”第3行“公民身份号码”列：与第2行是同一人；一人只能有一行" in messages
    assert "“人员”第4行“联系电话”列：单元格是公式，请复制后“粘贴为数值”再导入" in messages


def test_the_upload_page_refuses_a_bad_file_with_the_message_and_stores_nothing(client, world):
    client.force_login(world["work_station1_user"])
    response = client.post("/caseload/import/", {"file": io.BytesIO(b"hello, world\n1,2")})
    assert response.status_code == 200
    assert "不是按模板填写的名册" in response.content.decode()
    assert not CaseloadImport.objects.exists() and not Person.objects.exists()


def test_upload_preview_commit_through_the_pages(client, world):
    """The work station's journey: upload, see the preview, commit; a second commit is refused."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    today = timezone.localdate()
    content = workbook_bytes([person_row(1, world["c1"], reported=None, served=today - timedelta(days=2))])
    client.force_login(world["work_station1_user"])
    response = client.post("/caseload/import/", {"file": SimpleUploadedFile("名册.xlsx", content)})
    record = CaseloadImport.objects.get()
    assert response.url == f"/caseload/import/{record.pk}/"
    page = client.get(response.url).content.decode()
    assert "确认导入" in page and "新建 <strong>1</strong>" in page
    client.post(f"/caseload/import/{record.pk}/commit/")
    assert Person.objects.count() == 1
    client.post(f"/caseload/import/{record.pk}/commit/")
    assert Person.objects.count() == 1
    client.force_login(world["work_station2_user"])
    assert client.get(f"/caseload/import/{record.pk}/").status_code == 404
    client.force_login(world["police1_user"])
    assert client.get("/caseload/import/").status_code == 404


def test_the_template_downloads_with_its_sheets(client, world):
    client.force_login(world["work_station1_user"])
    response = client.get("/caseload/template.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["人员", "检测记录", "谈话走访", "允许值"]
    assert wb["人员"]["A1"].value == "姓名" and wb["人员"]["A2"].value == "张三（示例）"
