"""Caseload files for the tests: the template's layout filled with generated rows."""

import io
from datetime import date, timedelta

import openpyxl

from caseload.columns import SHEETS
from casework.deadlines import add_months
from casework.idnumber import make_id_number


def person_row(
    i: int, community, *, reported: date | None, served: date, sw: str = "sw1", **overrides
) -> dict:
    birth = date(1980, 1, 1) + timedelta(days=i)
    sex = "男" if i % 2 else "女"
    row = {
        "name": f"导入{i}",
        "id_number": make_id_number("320999", birth, i % 500, "M" if i % 2 else "F"),
        "sex": sex,
        "birth_date": birth,
        "phone": f"139{i:08d}",
        "household_address": "某路1号",
        "household_region": community.name,
        "residence_address": "某路2号",
        "community": community.code,
        "risk_level": "中风险",
        "kind": "社区戒毒" if i % 3 else "社区康复",
        "decision_number": f"导决字〔{served.year}〕{i:05d}号",
        "decision_date": served,
        "issuing_authority": "某县公安局",
        "served_on": served,
        "term_months": 36 if i % 3 else 24,
        "reported_on": reported,
        "agreement_on": reported,
        "plan_on": reported,
        "community_user": sw if reported else "",
        "police_user": "police1" if reported else "",
        "family_name": "家属" if reported else "",
        "family_phone": "13700000000" if reported else "",
    }
    row.update(overrides)
    return row


def history_for(row: dict, today: date, *, every_months: int = 1, stop_before: date | None = None):
    """Monthly negative tests and talks from the reporting-in day up to `stop_before` (or today)."""
    tests, talks = [], []
    start = row["reported_on"]
    if not start:
        return tests, talks
    n = 1
    while (day := add_months(start, n * every_months)) <= (stop_before or today):
        tests.append(
            {
                "id_number": row["id_number"],
                "tested_on": day,
                "sample_type": "尿液",
                "result": "阴性",
                "place": "工作站",
                "collector_1": "甲",
                "collector_1_sex": "女",
                "collector_2": "乙",
                "collector_2_sex": "女",
            }
        )
        talks.append(
            {"id_number": row["id_number"], "held_on": day, "kind": "谈心谈话", "summary": "近况稳定"}
        )
        n += 1
    return tests, talks


def workbook_bytes(persons: list[dict], tests=(), talks=(), *, headers: dict | None = None) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in (("人员", persons), ("检测记录", tests), ("谈话走访", talks)):
        ws = wb.create_sheet(name)
        layout = SHEETS[name]
        ws.append([(headers or {}).get(c.header, c.header) for c in layout])
        for row in rows:
            ws.append([row.get(c.key, "") for c in layout])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
