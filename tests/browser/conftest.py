"""Real-browser tests: Debian's Chromium drives the app served by pytest-django's live server.

Every journey logs in through the login form as one of the demo users of ``seed_demo`` and
asserts what the page shows. The key pages of each journey go through ``look()``: axe-core
(fails on serious or critical findings) and screenshots at 1366 and 390 px in
test-artifacts/screenshots/.

The folder is skipped, with the reason, when /usr/bin/chromium is missing or the tests do not
run on PostgreSQL. Nothing is downloaded at test time: the browser is the system's and axe-core
ships inside the axe-playwright-python wheel. The browser tests run after every other test
(they flush the database between tests and restore the migrations' data from a snapshot).
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "demo-pass-2026"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
WIDTHS = (DESKTOP, PHONE)
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parents[1] / "test-artifacts" / "screenshots"
BLOCKING_IMPACTS = ("serious", "critical")  # "minor" and "moderate" findings are printed, not failed
TIMEOUT_MS = 15_000

# Playwright's sync API keeps an event loop in the test thread; Django's ORM refuses to run in a
# thread with an event loop unless told it is safe. The test thread only makes plain ORM calls.
# Set while the browser runs only: `check --deploy` (tests/test_deploy.py) rightly refuses it.
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
SNAPSHOT = "_test_serialized_contents"  # set by django.test.utils.setup_databases


def skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return "browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium)"
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "browser tests need PostgreSQL (set DATABASE_URL or run a server on 127.0.0.1:5432)"
    return None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Mark this folder `browser`, skip it with the reason where it cannot run, and run it last.

    pytest-django already runs transactional tests after the others; the browser tests go after
    those too, so that their flushes (which leave only what they restore themselves) come last.
    """
    mine = [item for item in items if HERE in item.path.parents]
    if not mine:
        return
    reason = skip_reason()
    for item in mine:
        item.add_marker(pytest.mark.browser)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))
    ids = {id(item) for item in mine}
    items[:] = [item for item in items if id(item) not in ids] + mine


@pytest.fixture(scope="session")
def browser(_empty_database_before_the_first_browser_test):
    from django.db import connections
    from playwright.sync_api import sync_playwright

    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    outside = connections[DEFAULT_DB_ALIAS]
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            # With Playwright's loop running, Django hands this thread a connection of its own
            # (asgiref's Local follows the loop). Give it the snapshot of the migrations' rows that
            # pytest-django took on the first one, so serialized_rollback restores it.
            inside = connections[DEFAULT_DB_ALIAS]
            if inside is not outside and hasattr(outside, SNAPSHOT):
                setattr(inside, SNAPSHOT, getattr(outside, SNAPSHOT))
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture(scope="session")
def _empty_database_before_the_first_browser_test(django_db_setup, django_db_blocker):
    """Start the browser tests from an empty database, once.

    Each browser test restores the migrations' rows (content types, permissions, party roles,
    the schedule and the matrix) from the snapshot pytest-django takes when it creates the test
    database (``serialized_rollback``), and its teardown empties the database again. A
    transactional test that ran before them may have left content types and permissions
    recreated under new ids, which the snapshot would collide with: empty the tables first, and
    forget the ids cached from those rows.
    """
    from django.contrib.contenttypes.models import ContentType

    from permissions.services import forget_permission_ids

    with django_db_blocker.unblock():
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    ContentType.objects.clear_cache()
    forget_permission_ids()


@pytest.fixture
def demo(live_server):
    """The demo county with 60 persons, as `make run` leaves it; returns the live server's URL.

    Tests using it are marked ``django_db(transaction=True, serialized_rollback=True)``: the live
    server's thread must see committed rows, and each test starts again from the migrations' data.
    """
    call_command("seed_demo", "--persons", "60", verbosity=0)
    return live_server.url


class Browser:
    """The pages of one test: log in as a demo user; check and photograph pages."""

    def __init__(self, browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self.contexts = []
        self.server_errors: list[str] = []

    def login(self, username: str, *, viewport: dict = DESKTOP, locale: str = "zh-CN", look: str = ""):
        """Open a fresh browser window and sign in through the login form; return the page.

        The page asked for first is /persons/, so the login form sends the user back there.
        With `look`, the login page is checked and photographed under that name.
        """
        from playwright.sync_api import expect

        context = self.browser.new_context(
            viewport=viewport, base_url=self.base_url, locale=locale, timezone_id=settings.TIME_ZONE
        )
        context.set_default_timeout(TIMEOUT_MS)
        self.contexts.append(context)
        page = context.new_page()
        page.on(
            "response",
            lambda r: self.server_errors.append(f"{r.status} {r.url}") if r.status >= 500 else None,
        )
        page.goto("/persons/")
        expect(page).to_have_url(re.compile(r"/login/\?next="))
        # Chinese first, whatever the browser's language (docs/decisions.md, ChineseFirstMiddleware).
        expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
        if look:
            self.look(page, look)
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        expect(page).to_have_url(self.base_url + "/persons/")
        expect(page.get_by_role("button", name="退出")).to_be_visible()
        return page

    def look(self, page, name: str) -> None:
        """Run axe-core on the page at both widths and save screenshots of each.

        Fails on any finding of impact serious or critical; smaller ones are printed.
        """
        from axe_playwright_python.sync_playwright import Axe

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate(
            "document.activeElement && document.activeElement.blur()"
        )  # no focus ring in the pictures
        original = page.viewport_size
        problems = []
        for viewport in WIDTHS:
            page.set_viewport_size(viewport)
            results = Axe().run(page)
            for violation in results.response["violations"]:
                targets = [", ".join(map(str, node["target"])) for node in violation["nodes"]]
                line = f"{name} @{viewport['width']}px: {violation['id']} ({violation['impact']}): {violation['help']} -> {targets[:5]}"
                if violation["impact"] in BLOCKING_IMPACTS:
                    problems.append(line)
                else:
                    print("axe (not blocking):", line)
            page.screenshot(path=SCREENSHOTS / f"{name}-{viewport['width']}.png", full_page=True)
        page.set_viewport_size(original)
        assert not problems, "accessibility problems:\n" + "\n".join(problems)

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def pages(browser, demo):
    session = Browser(browser, demo)
    yield session
    session.close()
    assert not session.server_errors, f"server errors: {session.server_errors}"


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2).ping())
    except Exception:
        return False


@pytest.fixture
def celery_worker():
    """A real Celery worker on the test database and the broker the pages send to (the case-file
    zip, the monthly report made in the background)."""
    if not _redis_up():
        pytest.skip(
            f"this journey needs a Celery worker on Redis at {settings.CELERY_BROKER_URL} (scripts/setup-system --redis)"
        )
    db = settings.DATABASES["default"]
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        REDIS_URL=settings.CELERY_BROKER_URL,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "warning"],
        cwd=HERE.parents[1],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    yield worker
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
