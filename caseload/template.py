"""The caseload template: the three sheets with their Chinese headers, one example row each, and a
sheet of the allowed values (the choice columns and the township's communities)."""

import io
from datetime import date

from django.utils import timezone

from caseload.columns import ALLOWED_SHEET, CHOICE, SHEETS
from casework.idnumber import make_id_number
from casework.selectors import communities_under

EXAMPLE_NAME = "张三（示例）"


def _example_rows(township) -> dict[str, list[object]]:
    community = communities_under(township).first()
    community_name = community.name if community else ""
    today = timezone.localdate()
    served = date(today.year - 1, 3, 1)
    id_number = make_id_number("110101", date(1990, 1, 1), 1, "M")
    person = {
        "name": EXAMPLE_NAME,
        "id_number": id_number,
        "sex": "男",
        "birth_date": "1990-01-01",
        "phone": "13800000000",
        "household_address": "某路1号",
        "household_region": community_name,
        "residence_address": "某路1号",
        "community": community_name,
        "education": "初中",
        "employment": "无业",
        "marital_status": "未婚",
        "drug_types": "冰毒",
        "use_mode": "烫吸",
        "drug_history": "",
        "risk_level": "中风险",
        "guarantor_name": "张父",
        "guarantor_relation": "父亲",
        "guarantor_phone": "13900000000",
        "kind": "社区戒毒",
        "decision_number": f"某公（禁）决字〔{served.year}〕0001号",
        "decision_date": served.strftime("%Y-%m-%d"),
        "issuing_authority": "某县公安局",
        "served_on": served.strftime("%Y/%-m/%-d"),
        "term_months": 36,
        "reported_on": f"{served.year}年3月5日",
        "agreement_on": f"{served.year}-03-05",
        "plan_on": f"{served.year}-03-05",
        "community_user": "",
        "police_user": "",
        "judicial_user": "",
        "civil_affairs_user": "",
        "human_resources_user": "",
        "family_name": "张父",
        "family_phone": "13900000000",
    }
    test = {
        "id_number": id_number,
        "tested_on": f"{served.year}-04-05",
        "sample_type": "尿液",
        "method": "现场检测",
        "result": "阴性",
        "place": "工作站",
        "collector_1": "李四",
        "collector_1_sex": "男",
        "collector_2": "王五",
        "collector_2_sex": "男",
    }
    talk = {
        "id_number": id_number,
        "held_on": f"{served.year}-04-05",
        "kind": "谈心谈话",
        "place": "工作站",
        "summary": "了解近况，情绪稳定。",
    }
    return {"人员": person, "检测记录": test, "谈话走访": talk}


def template_workbook(township) -> bytes:
    """Return the template as .xlsx bytes for a township."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    examples = _example_rows(township)
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FFF2CC")
    for name, layout in SHEETS.items():
        ws = workbook.create_sheet(name)
        ws.append([c.header for c in layout])
        ws.append([examples[name].get(c.key, "") for c in layout])
        for index, column in enumerate(layout, start=1):
            cell = ws.cell(row=1, column=index)
            cell.font = bold
            if column.required:
                cell.fill = required_fill
            ws.column_dimensions[cell.column_letter].width = max(10, len(column.header) * 2 + 4)
            # Numbers typed into these columns must stay text (18 digits lose their last ones).
            if column.key.endswith(("id_number", "phone")):
                for row in (1, 2):
                    ws.cell(row=row + 1, column=index).number_format = "@"
        ws.freeze_panes = "A2"
    allowed = workbook.create_sheet(ALLOWED_SHEET)
    allowed.append(["工作表", "列", "必填", "可填的值或说明"])
    for cell in allowed[1]:
        cell.font = bold
    for name, layout in SHEETS.items():
        for column in layout:
            values = "、".join(column.labels()) if column.kind == CHOICE else column.note
            allowed.append([name, column.header, "是" if column.required else "", values])
    allowed.append([])
    allowed.append(["日期", "", "", "2027-03-01、2027/3/1、2027年3月1日，或 Excel 日期"])
    allowed.append(["示例行", "", "", f"“{EXAMPLE_NAME}”所在的行是示例，导入前请删除"])
    allowed.append([])
    allowed.append(["本乡镇（街道）的社区", "区划代码"])
    for community in communities_under(township):
        allowed.append([community.name, community.code])
    for column in "ABCD":
        allowed.column_dimensions[column].width = 24 if column != "D" else 60
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
