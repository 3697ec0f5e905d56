"""Measure what the key pages cost on a large data set.

Builds (or reuses) the demo data set at N persons through seed_demo's bulk path, then
requests each page through Django's test client as a real user of that scope, with warm
caches, and reports p50/p95 latency and the query count. Also times scan_obligations.
"""

import json
import re
import statistics
import time
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from devtools.demo import seed_demo
from obligations.services import obligations_scan
from oversight.rates import figures_refresh
from permissions import selectors

User = get_user_model()

# (label, username, url name, needs a person)
PAGES = [
    ("person list · social worker", "sw_chengguan", "person_list", False),
    ("person detail · social worker", "sw_chengguan", "person_detail", True),
    ("person list · police officer", "police_chengguan", "person_list", False),
    ("person detail · police officer", "police_chengguan", "person_detail", True),
    ("person list · township supervisor", "sup_chengguan", "person_list", False),
    ("person detail · township supervisor", "sup_chengguan", "person_detail", True),
    ("person list · county supervisor", "sup_county", "person_list", False),
    ("person detail · county supervisor", "sup_county", "person_detail", True),
    ("my tasks · social worker", "sw_chengguan", "my_tasks", False),
    ("my tasks · agency queue (work station)", "ws_chengguan", "my_tasks", False),
    ("overdue audit · county supervisor", "sup_county", "overdue_audit", False),
    ("rates · county supervisor", "sup_county", "rates", False),
    ("assessment · county supervisor", "sup_county", "drugfree_assessment", False),
    ("rates, live · county supervisor", "sup_county", "rates?live=1", False),
    # The REST API beside the pages it mirrors (session authentication, as a browser client).
    ("API person list · social worker", "sw_chengguan", "api:person-list", False),
    ("API person list · police officer", "police_chengguan", "api:person-list", False),
    ("API person list · county supervisor", "sup_county", "api:person-list", False),
    ("API my tasks · agency queue (work station)", "ws_chengguan", "api:my-tasks", False),
    ("API my duties · social worker", "sw_chengguan", "api:my-duties", False),
    ("API my duties · work station", "ws_chengguan", "api:my-duties", False),
]


@dataclass
class Figure:
    page: str
    user: str
    visible_persons: int
    p50_ms: float
    p95_ms: float
    queries: int
    sql_ms: float
    overhead: float
    max_literal_ids: int
    slowest_sql: str


class StatementLog:
    """Record every statement a request runs, with its parameters (for EXPLAIN ANALYZE)."""

    def __init__(self):
        self.statements: list[tuple[str, tuple]] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, params))
        return execute(sql, params, many, context)


LITERAL_LIST = re.compile(r"IN \(((?:%s|\d+)(?:, (?:%s|\d+))*)\)")


def literal_ids(sql: str, params) -> int:
    """Return the longest IN (...) list of literal values in one statement."""
    return max((m.group(1).count(",") + 1 for m in LITERAL_LIST.finditer(sql)), default=0)


def explain_ms(statements: list[tuple[str, tuple]]) -> tuple[float, str]:
    """Return the summed planning + execution time PostgreSQL reports, and the slowest statement.

    Each statement is re-run under EXPLAIN ANALYZE inside a transaction that is rolled back,
    so writes (the access-log insert) leave nothing behind.
    """
    total = 0.0
    slowest = (0.0, "")
    for sql, params in statements:
        if not sql.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
            continue
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
                    plan = cursor.fetchone()[0]
                    plan = json.loads(plan) if isinstance(plan, str) else plan
                raise _Rollback
        except _Rollback:
            pass
        ms = plan[0].get("Planning Time", 0.0) + plan[0].get("Execution Time", 0.0)
        total += ms
        if ms > slowest[0]:
            slowest = (ms, sql)
    return total, f"{slowest[0]:.1f} ms: {slowest[1][:300]}"


class _Rollback(Exception):
    pass


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def measure_page(label: str, username: str, url_name: str, needs_person: bool, requests: int) -> Figure:
    user = User.objects.get(username=username)
    visible = selectors.visible_persons(user)
    if needs_person:
        person_id = visible.order_by("pk").values_list("pk", flat=True).first()
        url = reverse(url_name, args=[person_id])
    else:
        name, _sep, query = url_name.partition("?")
        url = reverse(name) + (f"?{query}" if query else "")
    client = Client()
    client.force_login(user)
    for _ in range(3):  # warm caches: content types, session touch, PostgreSQL buffers
        assert client.get(url).status_code == 200, (label, url)
    log = StatementLog()
    with connection.execute_wrapper(log):
        client.get(url)
    sql_ms, slowest = explain_ms(log.statements)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    p50 = statistics.median(timings)
    return Figure(
        page=label,
        user=username,
        visible_persons=visible.count(),
        p50_ms=round(p50, 1),
        p95_ms=round(percentile(timings, 0.95), 1),
        queries=len(log.statements),
        sql_ms=round(sql_ms, 1),
        overhead=round(p50 / sql_ms, 2) if sql_ms else 0.0,
        max_literal_ids=max((literal_ids(sql, p) for sql, p in log.statements), default=0),
        slowest_sql=slowest,
    )


def run(persons: int, requests: int = 30, log=print) -> dict:
    if connection.vendor != "postgresql":
        raise RuntimeError("bench needs PostgreSQL: set DATABASE_URL")
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    started = time.monotonic()
    report = seed_demo(persons=persons, log=None)
    log(
        f"data set: {persons} persons ({'reused' if report.already_seeded else 'built'}) in {time.monotonic() - started:.0f} s"
    )
    t0 = time.perf_counter()
    figure_rows = figures_refresh(timezone.localdate())
    refresh = {"seconds": round(time.perf_counter() - t0, 3), "rows": figure_rows}
    log(f"figures_refresh: {refresh['seconds']} s, {figure_rows} region-period and worker rows")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    figures = [measure_page(*page, requests=requests) for page in PAGES]
    # Scan as of 30 days ahead so the first run has real work; run it twice, then roll back.
    as_of = timezone.localdate() + timedelta(days=30)
    scans = []
    try:
        with transaction.atomic():
            for _ in range(2):
                t0 = time.perf_counter()
                marked, reminders = obligations_scan(as_of)
                scans.append(
                    {"seconds": round(time.perf_counter() - t0, 3), "marked": marked, "reminders": reminders}
                )
            raise _Rollback
    except _Rollback:
        pass
    return {
        "persons": persons,
        "requests": requests,
        "pages": [asdict(f) for f in figures],
        "scan_obligations": scans,
        "figures_refresh": refresh,
    }


def add_flatness(result: dict, baseline: dict) -> None:
    """Flatness = p50 at N ÷ p50 at the baseline size (N/100, built in another database)."""
    small = {p["page"]: p for p in baseline["pages"]}
    result["baseline_persons"] = baseline["persons"]
    for page in result["pages"]:
        base = small.get(page["page"])
        page["flatness"] = round(page["p50_ms"] / base["p50_ms"], 2) if base and base["p50_ms"] else None


def table(result: dict) -> str:
    lines = [
        f"{'page':<42} {'user':<18} {'visible':>8} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'SQL ms':>8} "
        f"{'overhead':>9} {'IN ids':>7} {'flatness':>9}",
        "-" * 124,
    ]
    for f in result["pages"]:
        lines.append(
            f"{f['page']:<42} {f['user']:<18} {f['visible_persons']:>8} {f['p50_ms']:>8} {f['p95_ms']:>8} "
            f"{f['queries']:>8} {f['sql_ms']:>8} {f['overhead']:>9} {f['max_literal_ids']:>7} "
            f"{f.get('flatness') if f.get('flatness') is not None else '-':>9}"
        )
    for i, scan in enumerate(result["scan_obligations"], start=1):
        lines.append(
            f"scan_obligations run {i}: {scan['seconds']} s, {scan['marked']} marked overdue, {scan['reminders']} reminders"
        )
    if "figures_refresh" in result:
        refresh = result["figures_refresh"]
        lines.append(
            f"figures_refresh: {refresh['seconds']} s, {refresh['rows']} region-period and worker rows"
        )
    return "\n".join(lines)
