"""manage.py bench_caseload [--persons 5000]: import a generated caseload with three years of
history into a township of its own and print the times (the import is rolled back afterwards
unless --keep)."""

import time
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from caseload.columns import SHEETS
from caseload.services import caseload_import
from casework.deadlines import add_months
from casework.idnumber import make_id_number
from casework.models import Agency, Region, Staff


class _Rollback(Exception):
    pass


def _workbook(persons, tests, talks) -> bytes:
    import io

    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    for name, rows in (("人员", persons), ("检测记录", tests), ("谈话走访", talks)):
        ws = wb.create_sheet(name)
        layout = SHEETS[name]
        ws.append([c.header for c in layout])
        for row in rows:
            ws.append([row.get(c.key, "") for c in layout])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


class Command(BaseCommand):
    help = "导入性能测量：生成 N 人（三年历史）的名册并导入，打印用时"

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=5000)
        parser.add_argument("--keep", action="store_true")
        parser.add_argument(
            "--file",
            help="keep the generated caseload here and reuse it when it is already there (same day, same N)",
        )

    def handle(self, *args, persons, keep, file=None, **options):
        self.file = file
        try:
            with transaction.atomic():
                self._run(persons)
                if not keep:
                    raise _Rollback
        except _Rollback:
            self.stdout.write("（已回滚）")

    def _run(self, n: int) -> None:
        today = timezone.localdate()
        county = Region.objects.filter(code="990000").first() or Region.add_root(
            name="测量县", code="990000", level=Region.Level.COUNTY
        )
        township = Region.objects.filter(code="99000001").first()
        if township is None:
            township = county.add_child(name="测量镇", code="99000001", level=Region.Level.TOWNSHIP)
            for c in range(10):
                Region.objects.get(pk=township.pk).add_child(
                    name=f"测量社区{c}", code=f"99000001{c:02d}", level=Region.Level.COMMUNITY
                )
        communities = list(
            Region.objects.filter(path__startswith=township.path, level=Region.Level.COMMUNITY)
        )
        users = {}
        for kind, name in (("work_station", "bench_ws"), ("police", "bench_police")):
            agency = Agency.objects.filter(kind=kind, region=township).first()
            if agency is None:
                group, _ = Group.objects.get_or_create(name=f"bench-{kind}")
                agency = Agency.objects.create(kind=kind, region=township, name=name, group=group)
            user, created = get_user_model().objects.get_or_create(username=name)
            if created:
                Staff.objects.create(user=user, agency=agency)
                user.groups.add(agency.group)
            users[kind] = user
        started = time.monotonic()
        from pathlib import Path

        cached = Path(self.file) if self.file else None
        if cached is not None and cached.exists():
            content = cached.read_bytes()
        else:
            content = self._generate(n, today, communities)
            if cached is not None:
                cached.write_bytes(content)
        built = time.monotonic()
        self.stdout.write(f"名册：{n} 人，{len(content) / 2**20:.1f} MB，生成 {built - started:.1f} 秒")
        result = caseload_import(
            township=township, actor=users["work_station"], file_name="bench.xlsx", content=content
        )
        done = time.monotonic()
        self.stdout.write(
            f"导入：新建 {result.created} 人，历史记录 {result.history} 条，用时 {done - built:.1f} 秒"
        )

    def _generate(self, n, today, communities) -> bytes:
        persons, tests, talks = [], [], []
        for i in range(n):
            birth = date(1970, 1, 1) + timedelta(days=i % 9000)
            sex = "M" if i % 2 else "F"
            start = today - timedelta(days=3 * 365 - 40 - i % 30)
            served = start - timedelta(days=5)
            id_number = make_id_number("990000", birth, i // 9000, sex)
            persons.append(
                {
                    "name": f"测量{i}",
                    "id_number": id_number,
                    "sex": "男" if sex == "M" else "女",
                    "birth_date": birth,
                    "household_address": "某路1号",
                    "household_region": communities[i % 10].code,
                    "residence_address": "某路1号",
                    "community": communities[i % 10].code,
                    "kind": "社区戒毒",
                    "decision_number": f"测决字{i:06d}号",
                    "decision_date": served,
                    "issuing_authority": "测量县公安局",
                    "served_on": served,
                    "term_months": 36,
                    "reported_on": start,
                    "community_user": "bench_ws",
                    "police_user": "bench_police",
                }
            )
            m = 1
            while (day := add_months(start, m)) <= today:
                tests.append(
                    {
                        "id_number": id_number,
                        "tested_on": day,
                        "sample_type": "尿液",
                        "result": "阴性",
                        "place": "工作站",
                        "collector_1": "甲",
                        "collector_1_sex": "男",
                        "collector_2": "乙",
                        "collector_2_sex": "男",
                    }
                )
                talks.append(
                    {"id_number": id_number, "held_on": day, "kind": "谈心谈话", "summary": "近况稳定"}
                )
                m += 1
        return _workbook(persons, tests, talks)
