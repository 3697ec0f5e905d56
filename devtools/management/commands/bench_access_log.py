"""manage.py bench_access_log --rows 20000000: fill the access log of a bench database with N rows
spread over 36 months, then time a person's log read as the access-log page makes it (one
supervisor, one person's rows, newest first, a page of 50, and the page count), and print p50/p95
and the plan's summary.

The fill is one INSERT ... SELECT generate_series per month, with the hash chain's trigger
disabled: the rows carry no hash, so verify_access_log fails on the bench database afterwards.
That is why the command refuses a database whose name does not contain "bench"."""

import re
import statistics
import time
from datetime import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models.functions import Length
from django.utils import timezone

from casework.models import Agency, Person, Staff
from permissions import selectors
from permissions.partitions import access_log_partitions_ensure, month_add
from persons.views import CappedPaginator


class Command(BaseCommand):
    help = (
        "Fill the access log with --rows rows over --months months (chain trigger disabled for the fill, "
        "so the rows have no hash: a database whose name contains 'bench' only) and print the "
        "person-detail log read's p50/p95 in ms and its EXPLAIN summary. PostgreSQL only."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=20000)
        parser.add_argument("--months", type=int, default=36)
        parser.add_argument("--reads", type=int, default=200, help="person reads to time")
        parser.add_argument(
            "--no-fill", action="store_true", help="time the reads over the rows already there"
        )

    def handle(self, *args, rows, months, reads, no_fill, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench_access_log runs on PostgreSQL only")
        if "bench" not in connection.settings_dict["NAME"]:
            raise CommandError(
                f"refusing to fill {connection.settings_dict['NAME']}: the fill writes rows without the hash "
                "chain; use a database whose name contains 'bench'"
            )
        # The widest supervisor (county 禁毒办): the region whose path is shortest.
        supervisor = (
            Staff.objects.filter(agency__kind=Agency.Kind.DRUG_CONTROL)
            .select_related("user", "agency__region")
            .order_by(Length("agency__region__path"), "pk")
            .first()
        )
        if supervisor is None:
            raise CommandError("no supervisor (禁毒办 staff): run seed_demo first")
        person_ids = list(
            Person.objects.filter(region__path__startswith=supervisor.agency.region.path).values_list(
                "pk", flat=True
            )
        )
        if not person_ids:
            raise CommandError("no person in the supervisor's region: run seed_demo first")
        if not no_fill:
            self._fill(rows, months, person_ids)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*), count(DISTINCT tableoid) FROM permissions_accesslog")
            total, partitions = cursor.fetchone()
        self.stdout.write(f"access log: {total} rows in {partitions} partitions")
        self._reads(supervisor.user, person_ids, reads, months=None)
        self._reads(supervisor.user, person_ids, reads, months=3)

    def _fill(self, rows: int, months: int, person_ids: list[int]) -> None:
        today = timezone.localdate()
        first = month_add(today, -(months - 1))
        for n in range(months):
            access_log_partitions_ensure(month_add(first, n), months_ahead=0)
        access_log_partitions_ensure(today)
        user_ids = list(Staff.objects.values_list("user_id", flat=True))
        per_month = rows // months
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE permissions_accesslog DISABLE TRIGGER permissions_accesslog_chain")
            for n in range(months):
                month = month_add(first, n)
                count = per_month + (rows - per_month * months if n == months - 1 else 0)
                lo = datetime(month.year, month.month, 1, tzinfo=timezone.get_current_timezone())
                nxt = month_add(month, 1)
                hi = datetime(nxt.year, nxt.month, 1, tzinfo=timezone.get_current_timezone())
                hi = min(hi, timezone.now())
                cursor.execute(
                    """
                    INSERT INTO permissions_accesslog
                      (at, action, record_types, reason, ip, path, person_id, user_id, row_hash, token_name)
                    SELECT %(lo)s::timestamptz + random() * (%(hi)s::timestamptz - %(lo)s::timestamptz),
                           'detail', 'drugtest,talk', '', '10.0.0.7', '/persons/',
                           (%(persons)s::bigint[])[1 + floor(random() * %(np)s)::int],
                           (%(users)s::int[])[1 + floor(random() * %(nu)s)::int], '', ''
                    FROM generate_series(1, %(count)s)
                    """,
                    {
                        "lo": lo,
                        "hi": hi,
                        "persons": person_ids,
                        "np": len(person_ids),
                        "users": user_ids,
                        "nu": len(user_ids),
                        "count": count,
                    },
                )
            cursor.execute("ALTER TABLE permissions_accesslog ENABLE TRIGGER permissions_accesslog_chain")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE permissions_accesslog")
        self.stdout.write(
            f"filled {rows} rows over {months} months in {time.perf_counter() - started:.1f} s "
            "(chain trigger disabled for the fill: verify_access_log fails on this database)"
        )

    def _queryset(self, user, person_id: int, months: int | None):
        rows = selectors.access_log_visible(user).filter(person_id=person_id)
        if months:
            since = month_add(timezone.localdate(), -(months - 1))
            rows = rows.filter(
                at__gte=datetime(since.year, since.month, 1, tzinfo=timezone.get_current_timezone())
            )
        return rows.select_related("user", "person").order_by("-at", "-id")

    def _reads(self, user, person_ids: list[int], reads: int, months: int | None) -> None:
        import random

        rng = random.Random(7)
        sample = [rng.choice(person_ids) for _ in range(reads)]
        timings = []
        for person_id in sample:
            started = time.perf_counter()
            # As the page reads: the paginator's count (capped), then the first page.
            page = CappedPaginator(
                self._queryset(user, person_id, months), 50, settings.ACCESS_LOG_PAGE_ROWS_MAX
            ).get_page(1)
            list(page.object_list)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        label = (
            "unbounded (as the access-log page reads a person)" if months is None else f"last {months} months"
        )
        p95 = timings[int(len(timings) * 0.95) - 1]
        self.stdout.write(
            f"person log read, {label}: p50 {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms "
            f"over {reads} persons (count up to {settings.ACCESS_LOG_PAGE_ROWS_MAX + 1} + first page of 50)"
        )
        sql, params = self._queryset(user, sample[0], months)[:50].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            plan = [line for (line,) in cursor.fetchall()]
        scans = [line for line in plan if "permissions_accesslog" in line and "Scan" in line]
        kinds = sorted(
            {
                re.sub(r".*?((Parallel )?(Bitmap Heap|Bitmap Index|Index Only|Index|Seq) Scan).*", r"\1", s)
                for s in scans
            }
        )
        indexes = sorted({m.group(1) for s in scans if (m := re.search(r"using (\S+)", s))})
        partitions = {m.group(1) for s in scans if (m := re.search(r" on (permissions_accesslog_\w+)", s))}
        top = next((line.strip() for line in plan if "->" in line), plan[0])
        never = sum(1 for line in plan if "(never executed)" in line)
        self.stdout.write(
            f"  plan: {top[:120]}; {len(partitions)} partitions in the plan ({never} nodes never executed); "
            f"scans: {', '.join(kinds)}; indexes like: {', '.join(indexes[:3])}{' …' if len(indexes) > 3 else ''}"
        )
        self.stdout.write(f"  {plan[-1].strip()}")
