"""Measure what the key pages cost on a large data set (issue 7, first part).

Builds (or reuses) the demo data set at N persons through seed_demo's bulk path, then
requests each page through Django's test client as a real user of that scope, with warm
caches, and reports p50/p95 latency and the query count. Also times scan_obligations.
"""

import statistics
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from permissions import selectors

from .demo import seed_demo
from .obligations import obligations_scan

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
]


@dataclass
class Figure:
    page: str
    user: str
    visible_persons: int
    p50_ms: float
    p95_ms: float
    queries: int


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
        url = reverse(url_name)
    client = Client()
    client.force_login(user)
    for _ in range(3):  # warm caches: content types, session touch, PostgreSQL buffers
        assert client.get(url).status_code == 200, (label, url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return Figure(
        page=label,
        user=username,
        visible_persons=visible.count(),
        p50_ms=round(statistics.median(timings), 1),
        p95_ms=round(percentile(timings, 0.95), 1),
        queries=len(ctx.captured_queries),
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
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    figures = [measure_page(*page, requests=requests) for page in PAGES]
    today = timezone.localdate()
    scans = []
    for _ in range(2):
        t0 = time.perf_counter()
        marked, reminders = obligations_scan(today)
        scans.append(
            {"seconds": round(time.perf_counter() - t0, 3), "marked": marked, "reminders": reminders}
        )
    return {
        "persons": persons,
        "requests": requests,
        "pages": [asdict(f) for f in figures],
        "scan_obligations": scans,
    }


def table(result: dict) -> str:
    lines = [
        f"{'page':<42} {'user':<18} {'visible':>8} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}",
        "-" * 96,
    ]
    for f in result["pages"]:
        lines.append(
            f"{f['page']:<42} {f['user']:<18} {f['visible_persons']:>8} {f['p50_ms']:>8} {f['p95_ms']:>8} {f['queries']:>8}"
        )
    for i, scan in enumerate(result["scan_obligations"], start=1):
        lines.append(
            f"scan_obligations run {i}: {scan['seconds']} s, {scan['marked']} marked overdue, {scan['reminders']} reminders"
        )
    return "\n".join(lines)
