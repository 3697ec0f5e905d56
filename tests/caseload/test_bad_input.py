"""Bad files: a clear Chinese message and nothing written (never a 500 or a half save)."""

import io
import zipfile
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


def _one_person(world, **overrides):
    today = timezone.localdate()
    start = today - timedelta(days=100)
    row = person_row(1, world["c1"], reported=start, served=start - timedelta(days=5), **overrides)
    return row, today


def _problems(world, persons, tests=(), talks=()):
    from caseload.checks import caseload_check

    check = caseload_check(
        township=world["t1"], file_name="a.xlsx", content=workbook_bytes(persons, tests, talks)
    )
    return [(p.sheet, p.column, p.message) for p in check.problems]


@pytest.mark.parametrize("term", [-3, 0, 1.5, "十二"])
def test_an_order_length_that_is_not_a_positive_whole_number_is_refused_by_cell(world, term):
    """禁毒法 art 48: a 社区康复 order is a number of months, at most 36."""
    row, _today = _one_person(world, kind="社区康复", term_months=term)
    assert ("人员", "期限(月)", "应填正整数") in _problems(world, [row])


def test_history_values_are_checked_by_the_test_pages_own_rules(world):
    """吸毒检测程序规定 art 8: two collectors, a woman's urine sample collected by women; only a
    negative result comes in from a file (any other opens a follow-up at once, 戒毒条例 arts 20-21)."""
    from caseload.checks import caseload_check
    from tests.caseload.builders import history_for

    today = timezone.localdate()
    start = today - timedelta(days=100)
    row = person_row(2, world["c1"], reported=start, served=start - timedelta(days=5))  # a woman
    assert row["sex"] == "女"
    tests, talks = history_for(row, today)
    assert len(tests) >= 3
    tests[0] = dict(tests[0], result="阳性")
    tests[1] = dict(tests[1], collector_1_sex="男")
    tests[2] = dict(tests[2], collector_2=tests[2]["collector_1"])
    talks[0] = dict(talks[0], held_on=today + timedelta(days=3))
    problems = _problems(world, [row], tests, talks)
    assert ("检测记录", "结果", "“阳性”不是允许的值（可填：阴性）") in problems
    assert (
        "检测记录",
        "采样人1性别",
        "女性的尿液样本须由女性工作人员采集（吸毒检测程序规定第八条）。",
    ) in problems
    assert ("检测记录", "采样人2", "采样须由两名工作人员进行。") in problems
    assert any(p[0] == "谈话走访" and p[1] == "日期" and p[2].startswith("应在报到日期") for p in problems)
    before = Person.objects.count()
    check = caseload_check(
        township=world["t1"], file_name="a.xlsx", content=workbook_bytes([row], tests, talks)
    )
    assert not check.ok and Person.objects.count() == before


def test_a_person_reported_in_without_a_team_has_no_history_yet(world):
    """rules.md §2.1: the duties start when the help team is formed (IntakeFlow's last step)."""
    from tests.caseload.builders import history_for

    row, today = _one_person(world, community_user="", police_user="", family_name="", family_phone="")
    tests, talks = history_for(row, today)
    problems = _problems(world, [row], tests[:1], talks[:1])
    assert problems[0][:2] == ("检测记录", "检测日期") and "尚未组建帮教小组" in problems[0][2]
    row["police_user"] = "police1"
    assert ("人员", "社工账号", "组建帮教小组须填写社工账号；尚未组建的，其他成员账号也不填") in _problems(
        world, [row]
    )


def _excel_like(sheet_xml: bytes, shared: bytes) -> bytes:
    """A workbook as Excel writes it: shared strings, styles on every cell, relative targets."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="人员" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        z.writestr("xl/sharedStrings.xml", shared)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


def test_a_workbook_as_excel_writes_it_reads_cell_by_cell():
    """Shared strings (rich text, phonetic guides, entities), styles before types, sparse cells,
    a formula, a date with a time of day: read from the XML as openpyxl would read them."""
    from caseload.sheet import date_parse

    shared = (
        '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>姓名</t></si><si><t>公民身份号码</t></si>"
        '<si><r><t>张</t></r><r><rPr><b/></rPr><t xml:space="preserve">三&amp;</t></r><rPh sb="0" eb="1"><t>zhang</t></rPh></si>'
        "</sst>"
    ).encode()
    sheet_xml = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheetData>"
        '<row r="1"><c r="A1" s="1" t="s"><v>0</v></c><c r="B1" s="1" t="s"><v>1</v></c></row>'
        '<row r="3"><c r="A3" s="2" t="s"><v>2</v></c><c r="B3" t="str"><f>A1&amp;"x"</f><v>姓名x</v></c>'
        '<c r="D3" s="3"><v>46447.75</v></c></row>'
        "</sheetData></worksheet>"
    ).encode()
    content = _excel_like(sheet_xml, shared)
    with pytest.raises(FileRefused, match="缺少必填列"):  # the headers are read, and found short
        workbook_read("a.xlsx", content)
    from caseload import sheet

    rows = sheet._sheet_cells(sheet_xml, sheet._parts(zipfile.ZipFile(io.BytesIO(content)))[1])
    assert [n for n, _cells in rows] == [1, 3]
    cells = rows[1][1]
    assert cells[0].value == "张三&" and not cells[0].formula
    assert cells[1].formula and cells[2].value is None
    assert date_parse(cells[3].value).isoformat() == "2027-03-01"


def test_the_preview_page_shows_a_changed_row_and_a_row_held_elsewhere(client, world):
    """The preview names what would change (numbers masked) and refuses, without detail, a person
    another township holds (个人信息保护法 art 34)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from caseload.services import caseload_import
    from tests import factories as f

    today = timezone.localdate()
    rows = [person_row(i, world["c1"], reported=None, served=today - timedelta(days=2)) for i in (1, 2)]
    caseload_import(
        township=world["t1"],
        actor=world["work_station1_user"],
        file_name="a.xlsx",
        content=workbook_bytes(rows),
    )
    held = f.person_with_episode(world["c2"])
    rows[1]["phone"] = "13912345678"
    rows.append(
        person_row(
            3,
            world["c1"],
            reported=None,
            served=today - timedelta(days=2),
            id_number=held.id_number,
            name="别处的人",
        )
    )
    client.force_login(world["work_station1_user"])
    response = client.post("/caseload/import/", {"file": SimpleUploadedFile("b.xlsx", workbook_bytes(rows))})
    page = client.get(response.url).content.decode()
    assert "将更新的内容" in page and "139****5678" in page and "13912345678" not in page
    assert "第4行 别处的人：已在其他乡镇（街道）登记" in page
    assert held.name not in page.replace("别处的人", "") and held.id_number not in page
