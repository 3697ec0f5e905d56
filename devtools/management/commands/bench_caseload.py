"""manage.py bench_caseload [--persons 5000] [--casefiles 500]: import a generated caseload with
three years of history into a township of its own and print the time; then check the person
list, my work and the rates for the imported persons; then the case file (卷宗) of one
three-year case with a record of every kind (pages, render time) and the township zip of
--casefiles persons (time). Everything is rolled back afterwards unless --keep.

The import's time includes the deferred foreign-key checks that PostgreSQL runs at commit
(SET CONSTRAINTS ALL IMMEDIATE before the rollback), so it is what a real commit costs."""

import time
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from caseload.columns import SHEETS
from caseload.services import caseload_import
from casework.deadlines import add_months
from casework.idnumber import make_id_number
from casework.models import Agency, Episode, Region, Staff


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
            "--casefiles", type=int, default=500, help="persons in the township zip (0: none)"
        )
        parser.add_argument(
            "--file",
            help="keep the generated caseload here and reuse it when it is already there (same day, same N)",
        )

    def handle(self, *args, persons, keep, file=None, casefiles=500, **options):
        self.file, self.casefiles = file, casefiles
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
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        done = time.monotonic()
        self.stdout.write(
            f"导入：新建 {result.created} 人，历史记录 {result.history} 条，用时 {done - built:.1f} 秒"
        )
        self._check_pages(n, township, users["work_station"], today)
        self._casefile(township, users["work_station"], today)
        if self.casefiles:
            self._archive(township, users["work_station"])

    def _check_pages(self, n, township, user, today) -> None:
        """The person list, my work and the rates, as the station's user gets them, against counts
        made here straight from the tables."""
        from django.test import Client

        from casework.models import Episode, Obligation
        from oversight.rates import rates_for

        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        started = time.monotonic()
        page = client.get("/persons/")
        listed = page.status_code == 200 and f"共 {n} 人" in page.content.decode()
        work = client.get("/tasks/")
        overdue = Obligation.objects.filter(township=township, status=Obligation.Status.OVERDUE).count()
        open_now = Obligation.objects.filter(township=township, status__in=Obligation.OPEN_STATUSES).count()
        active = Episode.objects.filter(township=township, status=Episode.Status.ACTIVE).count()
        sheet = rates_for(user, township, today.replace(day=1), today, live=True)
        rates = {r.key: (r.numerator, r.denominator) for r in sheet.rates}
        self.stdout.write(
            f"页面：人员列表 {'正确' if listed else '不符'}（共 {n} 人），我的待办 HTTP {work.status_code}，"
            f"执行中 {active} 人，待办事项 {open_now} 项（逾期 {overdue}），用时 {time.monotonic() - started:.1f} 秒"
        )
        self.stdout.write(
            "工作指标（本月，分子/分母）：" + "，".join(f"{k} {a}/{b}" for k, (a, b) in rates.items())
        )
        if not listed or work.status_code != 200 or active != n:
            raise CommandError("导入后的人员列表、我的待办或执行人数与导入的名册不符")

    def _casefile(self, township, user, today) -> None:
        """One three-year case with a record of every kind, as the file's sections list them."""
        import io

        from pypdf import PdfReader

        from caseload.casefile import casefile_pdf
        from casework import models as m
        from permissions.gate import person_gate

        episode = (
            m.Episode.objects.filter(township=township, status=m.Episode.Status.ACTIVE)
            .select_related("person", "community")
            .order_by("start_date", "pk")
            .first()
        )
        person, start = episode.person, episode.start_date
        day = start + timedelta(days=200)
        other = Region.objects.filter(code="99000002").first() or Region.objects.get(
            pk=township.get_parent().pk
        ).add_child(name="测量二镇", code="99000002", level=Region.Level.TOWNSHIP)
        m.Absence.objects.create(
            episode=episode,
            person=person,
            destination="省城",
            reason="探亲",
            leaves_on=day,
            returns_by=day + timedelta(days=5),
            returned_on=day + timedelta(days=4),
            status=m.Absence.Status.RETURNED,
            recorded_by=user,
        )
        m.Breach.objects.create(
            episode=episode,
            person=person,
            kind=m.Breach.Kind.TEST_REFUSED,
            occurred_on=day + timedelta(days=30),
            description="拒绝检测",
            response=m.Breach.Response.EDUCATION,
            confirmed_by=user,
        )
        m.HandOver.objects.create(
            episode=episode,
            reason=m.HandOver.Reason.SERIOUS_BREACH,
            prepared_on=day + timedelta(days=60),
            documents="严重违反协议证明",
            prepared_by=user,
        )
        m.Transfer.objects.create(
            episode=episode,
            person=person,
            from_township=township,
            from_community=episode.community,
            to_township=other,
            reason="迁居",
            requested_by=user,
            requested_on=day + timedelta(days=90),
            status=m.Transfer.Status.DECLINED,
        )
        m.Suspension.objects.create(
            episode=episode,
            reason=m.Suspension.Reason.DETENTION,
            starts_on=day + timedelta(days=120),
            ends_on=day + timedelta(days=130),
            place="县拘留所",
            pauses_clock=True,
            recorded_by=user,
        )
        m.Certification.objects.create(
            episode=episode,
            summary="三年未复吸",
            proposed_by=user,
            proposed_on=today,
        )
        agency = m.Agency.objects.filter(region=township).first()
        for kind in (m.Referral.Kind.EMPLOYMENT, m.Referral.Kind.ASSISTANCE):
            referral = m.Referral.objects.create(
                episode=episode,
                person=person,
                kind=kind,
                agency=agency,
                needs="就业与救助",
                referred_by=user,
                referred_on=day,
            )
            m.ReferralOutcome.objects.create(
                referral=referral,
                kind=m.ReferralOutcome.Kind.TRAINING,
                on_date=day + timedelta(days=20),
                recorded_by=user,
            )
        m.ReleaseNotice.objects.create(
            episode=episode,
            number="解字〔测〕1号",
            issued_on=today,
            served_person_on=today,
            township_notified_on=today,
            recorded_by=user,
        )
        gate = person_gate(user, person.pk)
        started = time.monotonic()
        pdf = casefile_pdf(person, gate.record_types, reveal=False, reader=user)
        took = time.monotonic() - started
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        tests = m.DrugTest.objects.filter(person=person).count()
        talks = m.Talk.objects.filter(person=person).count()
        self.stdout.write(
            f"卷宗：一人三年（检测 {tests} 次、谈话 {talks} 次，各类记录齐全），A4 {pages} 页，"
            f"{len(pdf) / 1024:.0f} KB，生成 {took:.1f} 秒"
        )

    def _archive(self, township, user) -> None:
        """The township zip of `--casefiles` persons, built as the Celery task builds it."""
        from caseload.casefile import archive_build
        from caseload.models import CaseFileArchive

        ids = list(
            Episode.objects.filter(township=township)
            .order_by("pk")
            .values_list("person_id", flat=True)[: self.casefiles]
        )
        archive = CaseFileArchive.objects.create(
            township=township, requested_by=user, reason="性能测量", person_ids=ids, total=len(ids)
        )
        started = time.monotonic()
        archive = archive_build(archive.pk)
        took = time.monotonic() - started
        size = archive.file.size if archive.file else 0
        self.stdout.write(
            f"卷宗 zip：{archive.done} 人，{size / 2**20:.1f} MB，状态 {archive.get_status_display()}，"
            f"用时 {took:.1f} 秒（每人 {took / max(1, len(ids)):.2f} 秒）"
        )
        if archive.file:
            archive.file.delete(save=False)

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
                        "collector_1_sex": "男" if sex == "M" else "女",
                        "collector_2": "乙",
                        "collector_2_sex": "男" if sex == "M" else "女",
                    }
                )
                talks.append(
                    {"id_number": id_number, "held_on": day, "kind": "谈心谈话", "summary": "近况稳定"}
                )
                m += 1
        return _workbook(persons, tests, talks)
