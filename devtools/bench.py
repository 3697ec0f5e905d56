"""Measure what the key pages cost on a large data set.

Builds (or reuses) the demo data set at N persons through seed_demo's bulk path, then
requests each page through Django's test client as a real user of that scope, with warm
caches, and reports p50/p95 latency and the query count. Also times scan_obligations.

With a baseline database (the same demo data set at a smaller size, another PostgreSQL
database), every row's requests alternate between the two databases in one process, so the
machine's noise falls on both sides of the flatness ratio. Each user also gets a floor row: a
page that renders the base layout and no records, to say how much of a page's time is the
page's own; beside the times, the Python function calls of one request (counted by cProfile:
the same on a busy machine as on a quiet one) and their ratio to the floor's. With peers, the stock guardian and viewflow queries for the same users are timed
against the same data (the grants copied into guardian's generic tables, rolled back).
"""

import cProfile
import json
import pstats
import re
import statistics
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import timedelta

import dj_database_url
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework.models import Person
from devtools.bulk import analyze_tables
from devtools.demo import seed_demo
from obligations.services import obligations_scan
from oversight.rates import figures_refresh
from permissions import selectors
from permissions.models import PersonGroupObjectPermission, PersonUserObjectPermission
from persons.views import PAGE_SIZE

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

# The floor: the API token settings page renders the base layout (navigation, the user's post,
# the unread count) around an empty form and the user's tokens, of which the demo users have
# none. What a page costs above it is the page's own work.
FLOOR_URL = "api_tokens"
FLOOR_LABEL = "floor (base layout) · "
SCAN_DAYS_AHEAD = (1, 30)

BASELINE = "baseline"
WARM_UP = 3  # requests before timing: content types, session touch, PostgreSQL buffers
# Stock viewflow reads two rows per generic grant (content type, permission) in Python; a few
# timed runs say enough at any size.
PEER_RUNS = 10
SLOW_PEER_S = 2.0
SLOW_PEER_RUNS = 3


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
    # Filled in with a baseline database (flatness) and the user's floor row (floor ratio).
    baseline_visible_persons: int | None = None
    baseline_p50_ms: float | None = None
    flatness: float | None = None
    floor_ratio: float | None = None
    # Python function calls of one request, in thousands, and their ratio to the floor's.
    python_kcalls: float | None = None
    calls_floor_ratio: float | None = None


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


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator ÷ denominator to two places, or None when either is missing or zero."""
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 2)


# --- Two databases in one process ------------------------------------------------------------


# The databases beside the default one, by name: connection objects of their own, outside
# settings.DATABASES (nothing else in the process, the test runner's database guard included,
# should take them for a configured database).
OTHER_DATABASES: dict[str, BaseDatabaseWrapper] = {}


@contextmanager
def baseline_database(url: str) -> Iterator[str]:
    """Open a connection object to the baseline database for the duration of the run.

    It takes every setting of the default connection (connection options such as
    random_page_cost, time zone, CONN_MAX_AGE) and only the server and database of the URL.
    """
    parsed = dj_database_url.parse(url)
    if not parsed["ENGINE"].endswith("postgresql"):
        raise RuntimeError(f"--baseline-db must be a PostgreSQL URL, not {parsed['ENGINE']}")
    conf = dict(connections.settings[DEFAULT_DB_ALIAS])
    conf.update({key: parsed[key] for key in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")})
    if (conf["NAME"], conf["HOST"], str(conf["PORT"])) == (
        connection.settings_dict["NAME"],
        connection.settings_dict["HOST"],
        str(connection.settings_dict["PORT"]),
    ):
        raise RuntimeError("--baseline-db names the database being measured: give the smaller one")
    OTHER_DATABASES[BASELINE] = load_backend(conf["ENGINE"]).DatabaseWrapper(conf, BASELINE)
    try:
        yield BASELINE
    finally:
        OTHER_DATABASES.pop(BASELINE).close()


@contextmanager
def on_database(alias: str) -> Iterator[None]:
    """Make `alias` the default connection: every query of the code inside (views, the ORM,
    `django.db.connection`) goes to that database.

    The connection objects are swapped, not their settings: each keeps its own open
    connection, so a swap costs nothing and no request pays for a reconnect.
    """
    if alias == DEFAULT_DB_ALIAS:
        yield
        return
    main = connections[DEFAULT_DB_ALIAS]
    connections[DEFAULT_DB_ALIAS] = OTHER_DATABASES[alias]
    try:
        yield
    finally:
        connections[DEFAULT_DB_ALIAS] = main


def _id_map(sql: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {tuple(row[:-1]): row[-1] for row in cursor.fetchall()}


IDS_SQL = {
    "content types": "SELECT app_label, model, id FROM django_content_type",
    "permissions": "SELECT content_type_id, codename, id FROM auth_permission",
}


def check_same_schema(alias: str) -> None:
    """Refuse a baseline whose content type or permission ids differ from the main database's.

    The process caches both (ContentType's cache, the permission ids of the grant lookups)
    under the default alias: with other ids the baseline's pages would read the wrong rows.
    """
    for what, sql in IDS_SQL.items():
        main = _id_map(sql)
        with on_database(alias):
            other = _id_map(sql)
        if main != other:
            raise RuntimeError(
                f"the baseline database's {what} have other ids than the main database's: "
                "migrate both from empty with the same code, then seed them"
            )


def require_persons(alias: str, what: str) -> int:
    with on_database(alias):
        count = Person.objects.count()
    if not count:
        raise RuntimeError(f"{what} holds no persons: seed it first (manage.py seed_demo --persons N)")
    return count


def interleaved(rounds: int, sides: Sequence[str]) -> list[str]:
    """The order of one row's timed requests: every side once a round, the first side turning
    each round (main, baseline / baseline, main / ...) so that neither always goes first."""
    order: list[str] = []
    for i in range(rounds):
        k = i % len(sides)
        order.extend([*sides[k:], *sides[:k]])
    return order


# --- Timing a page ---------------------------------------------------------------------------


@dataclass
class Target:
    """One page as one user on one database: a logged-in client, the URL, what the user sees."""

    client: Client
    url: str
    visible: int


def _target(alias: str, username: str, url_name: str, needs_person: bool) -> Target:
    with on_database(alias):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise RuntimeError(f"the {alias} database has no user {username}: seed it with seed_demo")
        visible = selectors.visible_persons(user)
        if needs_person:
            person_id = visible.order_by("pk").values_list("pk", flat=True).first()
            url = reverse(url_name, args=[person_id])
        else:
            name, _sep, query = url_name.partition("?")
            url = reverse(name) + (f"?{query}" if query else "")
        client = Client()
        client.force_login(user)
        for _ in range(WARM_UP):
            status = client.get(url).status_code
            assert status == 200, (alias, username, url, status)
        return Target(client, url, visible.count())


def python_kcalls(target: Target) -> float:
    """Return the Python function calls of one request of the page, in thousands (cProfile)."""
    profile = cProfile.Profile()
    with on_database(DEFAULT_DB_ALIAS):
        profile.enable()
        try:
            target.client.get(target.url)
        finally:
            profile.disable()
    return round(pstats.Stats(profile).total_calls / 1000, 1)


def time_interleaved(targets: dict[str, Target], rounds: int) -> dict[str, list[float]]:
    """Request each side's page `rounds` times, alternating sides; milliseconds per side."""
    timings: dict[str, list[float]] = {alias: [] for alias in targets}
    for alias in interleaved(rounds, list(targets)):
        target = targets[alias]
        with on_database(alias):
            started = time.perf_counter()
            response = target.client.get(target.url)
            timings[alias].append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (alias, target.url, response.status_code)
    return timings


def measure_page(
    label: str, username: str, url_name: str, needs_person: bool, requests: int, aliases: Sequence[str] = ()
) -> Figure:
    """Time one page as one user on the main database and, interleaved, on each alias given."""
    targets = {DEFAULT_DB_ALIAS: _target(DEFAULT_DB_ALIAS, username, url_name, needs_person)}
    for alias in aliases:
        targets[alias] = _target(alias, username, url_name, needs_person)
    main = targets[DEFAULT_DB_ALIAS]
    log = StatementLog()
    with connection.execute_wrapper(log):
        main.client.get(main.url)
    sql_ms, slowest = explain_ms(log.statements)
    kcalls = python_kcalls(main)
    timings = time_interleaved(targets, requests)
    p50 = statistics.median(timings[DEFAULT_DB_ALIAS])
    figure = Figure(
        page=label,
        user=username,
        visible_persons=main.visible,
        p50_ms=round(p50, 1),
        p95_ms=round(percentile(timings[DEFAULT_DB_ALIAS], 0.95), 1),
        queries=len(log.statements),
        sql_ms=round(sql_ms, 1),
        overhead=round(p50 / sql_ms, 2) if sql_ms else 0.0,
        max_literal_ids=max((literal_ids(sql, p) for sql, p in log.statements), default=0),
        slowest_sql=slowest,
        python_kcalls=kcalls,
    )
    if BASELINE in timings:
        base_p50 = statistics.median(timings[BASELINE])
        figure.baseline_visible_persons = targets[BASELINE].visible
        figure.baseline_p50_ms = round(base_p50, 1)
        figure.flatness = ratio(p50, base_p50)
    return figure


def add_floor_ratios(pages: list[dict], floors: list[dict]) -> None:
    """× floor = a page's p50 ÷ the p50 of its user's floor row, both from the same run; calls ×
    floor the same for the Python calls of one request."""
    floor_p50 = {f["user"]: f["p50_ms"] for f in floors}
    floor_calls = {f["user"]: f.get("python_kcalls") for f in floors}
    for page in pages:
        page["floor_ratio"] = ratio(page["p50_ms"], floor_p50.get(page["user"]))
        page["calls_floor_ratio"] = ratio(page.get("python_kcalls"), floor_calls.get(page["user"]))


# --- The stock libraries' queries beside ours ------------------------------------------------


def copy_grants_to_generic() -> tuple[int, int]:
    """Copy the person grants into guardian's generic tables (INSERT ... SELECT); the caller
    rolls them back. A help-team grant past its end date is not copied: the door ignores it too."""
    from guardian.models import GroupObjectPermission, UserObjectPermission

    content_type_id = ContentType.objects.get_for_model(Person).pk
    quote = connection.ops.quote_name
    copied = []
    with connection.cursor() as cursor:
        for generic, direct, holder, current in (
            (
                UserObjectPermission,
                PersonUserObjectPermission,
                "user_id",
                "valid_until IS NULL OR valid_until >= %s",
            ),
            (GroupObjectPermission, PersonGroupObjectPermission, "group_id", "TRUE"),
        ):
            cursor.execute(
                f"INSERT INTO {quote(generic._meta.db_table)} (permission_id, content_type_id, object_pk, {holder}) "
                f"SELECT permission_id, %s, content_object_id::text, {holder} FROM {quote(direct._meta.db_table)} "
                f"WHERE {current} ON CONFLICT DO NOTHING",
                [content_type_id, timezone.localdate()] if holder == "user_id" else [content_type_id],
            )
            copied.append(cursor.rowcount)
        cursor.execute(
            "ANALYZE "
            + ", ".join(quote(m._meta.db_table) for m in (UserObjectPermission, GroupObjectPermission))
        )
    return copied[0], copied[1]


@contextmanager
def generic_guardian_tables() -> Iterator[None]:
    """Make guardian read its generic grant tables for Person.

    guardian picks a direct-FK model for an object class unless the model's `enabled` is
    false (guardian.utils.get_obj_perms_model; guardian's own tests switch it so).
    """
    models = (PersonUserObjectPermission, PersonGroupObjectPermission)
    before = [getattr(model, "enabled", True) for model in models]
    for model in models:
        model.enabled = False
    try:
        yield
    finally:
        for model, value in zip(models, before, strict=True):
            model.enabled = value


def guardian_persons(user):
    """guardian's stock query for the persons a user may view."""
    from guardian.shortcuts import get_objects_for_user

    return get_objects_for_user(user, "casework.view_person", klass=Person)


def viewflow_queue(user):
    """viewflow's stock queue of a user: `Task.objects.user_queue`, open tasks only (as
    viewflow's own `TaskQuerySet.queue` filters it)."""
    from viewflow.workflow.models import Task
    from viewflow.workflow.status import STATUS

    return Task.objects.user_queue(user).filter(status=STATUS.NEW)


def _evaluate(queryset) -> int:
    """What a list page asks of a queryset: the count and the first page."""
    count = queryset.count()
    list(queryset.order_by("pk")[:PAGE_SIZE])
    return count


def time_peer(query, username: str, runs: int) -> dict:
    """Time a stock query as one user: a fresh user object each run (no permission caches).

    The first run, counted, warms the caches; a query slower than SLOW_PEER_S is timed
    SLOW_PEER_RUNS times only (stock viewflow reads every generic grant of the user in Python).
    """
    pk = User.objects.get(username=username).pk
    user = User.objects.get(pk=pk)
    counter = StatementLog()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        rows = _evaluate(query(user))
    if time.perf_counter() - started > SLOW_PEER_S:
        runs = min(runs, SLOW_PEER_RUNS)
    timings = []
    for _ in range(runs):
        user = User.objects.get(pk=pk)
        started = time.perf_counter()
        _evaluate(query(user))
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(statistics.median(timings), 1),
        "runs": runs,
        "queries": len(counter.statements),
        "rows": rows,
    }


PEERS = [
    # (label, stock query, the project's query for the same rows, the page it stands beside)
    ("guardian get_objects_for_user", guardian_persons, selectors.visible_persons, "person_list"),
    ("viewflow Task.objects.user_queue", viewflow_queue, selectors.actionable_tasks, "my_tasks"),
]


def peer_figures(pages: list[dict], runs: int = PEER_RUNS) -> list[dict]:
    """Time guardian's and viewflow's stock queries for the users of the person list and my
    tasks rows, on the grants copied into guardian's generic tables and rolled back after,
    beside the project's own query for the same user, timed the same way (count and first
    page, a fresh user object each run)."""
    ours = {
        (url_name, username): page for (_l, username, url_name, _n), page in zip(PAGES, pages, strict=True)
    }
    peers = []
    try:
        with transaction.atomic():
            own = {
                (url_name, username): time_peer(own_query, username, runs)
                for _label, _stock, own_query, url_name in PEERS
                for (name, username) in ours
                if name == url_name
            }
            copy_grants_to_generic()
            with generic_guardian_tables():
                for label, query, _own_query, url_name in PEERS:
                    for (name, username), page in ours.items():
                        if name != url_name:
                            continue
                        timed = time_peer(query, username, runs)
                        mine = own[url_name, username]
                        peers.append(
                            {
                                "peer": label,
                                "user": username,
                                **timed,
                                "ours_page": page["page"],
                                "page_p50_ms": page["p50_ms"],
                                "ours_p50_ms": mine["p50_ms"],
                                "ours_queries": mine["queries"],
                                "ours_rows": mine["rows"],
                                "ratio": ratio(timed["p50_ms"], mine["p50_ms"]),
                            }
                        )
            raise _Rollback
    except _Rollback:
        pass
    return peers


# --- The run ---------------------------------------------------------------------------------


@contextmanager
def measuring() -> Iterator[None]:
    """DEBUG off while measuring (with it Django keeps every statement in memory); the test
    client's host allowed."""
    debug, hosts = settings.DEBUG, settings.ALLOWED_HOSTS
    settings.DEBUG = False
    if "testserver" not in hosts:
        settings.ALLOWED_HOSTS = [*hosts, "testserver"]
    try:
        yield
    finally:
        settings.DEBUG, settings.ALLOWED_HOSTS = debug, hosts


def _refresh_and_analyze(alias: str) -> dict:
    with on_database(alias):
        # Before the refresh as well: a database reused straight after its seed may still carry
        # the statistics of its empty tables.
        analyze_tables()
        t0 = time.perf_counter()
        figure_rows = figures_refresh(timezone.localdate())
        refresh = {"seconds": round(time.perf_counter() - t0, 3), "rows": figure_rows}
        analyze_tables()
    return refresh


def run(
    persons: int,
    requests: int = 30,
    log=print,
    *,
    baseline_db: str | None = None,
    reuse: bool = False,
    peers: bool = False,
) -> dict:
    if connection.vendor != "postgresql":
        raise RuntimeError("bench needs PostgreSQL: set DATABASE_URL")
    with measuring():
        if baseline_db:
            with baseline_database(baseline_db) as alias:
                return _run(persons, requests, log, baseline=alias, reuse=reuse, peers=peers)
        return _run(persons, requests, log, baseline=None, reuse=reuse, peers=peers)


def _run(persons: int, requests: int, log, *, baseline: str | None, reuse: bool, peers: bool) -> dict:
    started = time.monotonic()
    if reuse:
        persons = require_persons(DEFAULT_DB_ALIAS, "the database")
        log(f"data set: {persons} persons (reused as they are)")
    else:
        report = seed_demo(persons=persons, log=None)
        log(
            f"data set: {persons} persons ({'reused' if report.already_seeded else 'built'}) "
            f"in {time.monotonic() - started:.0f} s"
        )
    aliases = []
    result: dict = {"persons": persons, "requests": requests}
    if baseline:
        result["baseline_persons"] = require_persons(baseline, "the baseline database")
        check_same_schema(baseline)
        aliases.append(baseline)
        log(f"baseline: {result['baseline_persons']} persons, requests interleaved with the main database")
    refresh = _refresh_and_analyze(DEFAULT_DB_ALIAS)
    log(f"figures_refresh: {refresh['seconds']} s, {refresh['rows']} region-period and worker rows")
    for alias in aliases:
        _refresh_and_analyze(alias)
    users = list(dict.fromkeys(username for _label, username, _url, _n in PAGES))
    floors = [
        asdict(measure_page(FLOOR_LABEL + username, username, FLOOR_URL, False, requests, aliases))
        for username in users
    ]
    pages = [asdict(measure_page(*page, requests=requests, aliases=aliases)) for page in PAGES]
    add_floor_ratios(pages, floors)
    result.update({"floors": floors, "pages": pages})
    if peers:
        result["peers"] = peer_figures(pages, runs=min(requests, PEER_RUNS))
    # The seed has scanned as of today. Tomorrow's scan is the nightly job's real work (a day's
    # duties fall due); 30 days ahead is a month of them at once. Each is run twice (the rerun
    # changes nothing), all in one transaction that is rolled back.
    scans = []
    try:
        with transaction.atomic():
            for ahead in SCAN_DAYS_AHEAD:
                as_of = timezone.localdate() + timedelta(days=ahead)
                for _ in range(2):
                    t0 = time.perf_counter()
                    marked, reminders = obligations_scan(as_of)
                    scans.append(
                        {
                            "days_ahead": ahead,
                            "seconds": round(time.perf_counter() - t0, 3),
                            "marked": marked,
                            "reminders": reminders,
                        }
                    )
            raise _Rollback
    except _Rollback:
        pass
    result.update({"scan_obligations": scans, "figures_refresh": refresh})
    return result


def add_flatness(result: dict, baseline: dict) -> None:
    """Flatness from an earlier run's JSON at a smaller size (another process, other noise:
    --baseline-db measures both in one run and is the one to trust)."""
    small = {p["page"]: p for p in baseline["pages"]}
    result["baseline_persons"] = baseline["persons"]
    for page in result["pages"]:
        base = small.get(page["page"])
        page["baseline_p50_ms"] = base["p50_ms"] if base else None
        page["flatness"] = ratio(page["p50_ms"], base["p50_ms"]) if base else None


def _cell(value, width: int) -> str:
    return f"{'-' if value is None else value:>{width}}"


COLUMNS = [
    # (heading, key, width)
    ("user", "user", 18),
    ("visible", "visible_persons", 8),
    ("p50 ms", "p50_ms", 8),
    ("p95 ms", "p95_ms", 8),
    ("queries", "queries", 8),
    ("SQL ms", "sql_ms", 8),
    ("overhead", "overhead", 9),
    ("IN ids", "max_literal_ids", 7),
    ("× floor", "floor_ratio", 8),
    ("k calls", "python_kcalls", 8),
    ("calls × fl", "calls_floor_ratio", 10),
    ("base p50", "baseline_p50_ms", 9),
    ("flatness", "flatness", 9),
]
PAGE_WIDTH = 42


def _row(figure: dict) -> str:
    cells = [f"{figure['page']:<{PAGE_WIDTH}}", f"{figure['user']:<18}"]
    cells += [_cell(figure.get(key), width) for _h, key, width in COLUMNS[1:]]
    return " ".join(cells)


def table(result: dict) -> str:
    header = [f"{'page':<{PAGE_WIDTH}}", f"{'user':<18}"] + [f"{h:>{w}}" for h, _k, w in COLUMNS[1:]]
    width = PAGE_WIDTH + sum(w + 1 for _h, _k, w in COLUMNS)
    lines = []
    if result.get("baseline_persons"):
        lines.append(
            f"{result['persons']} persons against a baseline of {result['baseline_persons']}; "
            "flatness = p50 ÷ base p50, × floor = p50 ÷ the user's floor p50, "
            "k calls = Python calls of one request (thousands), calls × fl = k calls ÷ the floor's"
        )
    lines += [" ".join(header), "-" * width]
    lines += [_row(f) for f in result.get("floors", [])]
    lines += [_row(f) for f in result["pages"]]
    peers = result.get("peers")
    if peers:
        lines.append("")
        lines.append(
            f"{'peer (stock library, count + first page)':<{PAGE_WIDTH}} {'user':<18} {'rows':>8} {'p50 ms':>8} "
            f"{'queries':>8} {'ours ms':>8} {'ours q':>7} {'ours rows':>9} {'ratio':>7} {'page ms':>8}"
        )
        for p in peers:
            lines.append(
                f"{p['peer']:<{PAGE_WIDTH}} {p['user']:<18} {p['rows']:>8} {p['p50_ms']:>8} {p['queries']:>8} "
                f"{p['ours_p50_ms']:>8} {p['ours_queries']:>7} {_cell(p['ours_rows'], 9)} {_cell(p['ratio'], 7)} "
                f"{_cell(p.get('page_p50_ms'), 8)}"
            )
        lines.append(
            "peer: the stock query (count + first page) on the grants copied to guardian's generic tables; "
            "ours: the project's query for the same user (visible_persons, actionable_tasks), timed the "
            "same way; ratio = peer p50 ÷ ours; page ms: the whole page of that user"
        )
        if any(p["peer"].startswith("guardian") and p["rows"] != p["ours_rows"] for p in peers):
            lines.append(
                "rows differ where a supervisor sees by region, which no guardian grant expresses "
                "(the stock query finds only the grants)"
            )
    for i, scan in enumerate(result["scan_obligations"], start=1):
        ahead = scan.get("days_ahead")
        as_of = f" as of {ahead} day{'s' if ahead != 1 else ''} ahead" if ahead else ""
        lines.append(
            f"scan_obligations run {i}{as_of}: {scan['seconds']} s, {scan['marked']} marked overdue, "
            f"{scan['reminders']} reminders"
        )
    if "figures_refresh" in result:
        refresh = result["figures_refresh"]
        lines.append(
            f"figures_refresh: {refresh['seconds']} s, {refresh['rows']} region-period and worker rows"
        )
    return "\n".join(lines)
