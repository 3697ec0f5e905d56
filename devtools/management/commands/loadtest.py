"""``manage.py loadtest [--users 30] [--seconds 120]``: gunicorn with 2 workers on 127.0.0.1 and a
headless locust run against it; prints the error count and the p95. Stops by itself."""

import csv
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from permissions import selectors

PORT = 8123


class Command(BaseCommand):
    help = "Load the key pages at --users requests a second for --seconds against gunicorn (2 workers)."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=30)
        parser.add_argument("--seconds", type=int, default=120)

    def handle(self, *args, users, seconds, **options):
        if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
            raise CommandError("loadtest needs PostgreSQL: set DATABASE_URL")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local", "DEBUG": "false"}
        env["ALLOWED_HOSTS"] = "127.0.0.1,localhost"
        User = get_user_model()  # noqa: N806
        for name in ("sw_chengguan", "police_chengguan"):
            first = selectors.visible_persons(User.objects.get(username=name)).order_by("pk").first()
            env[f"LOAD_PERSON_{name.upper()}"] = str(first.pk)
        base = Path(settings.BASE_DIR)
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{PORT}",
                "--log-level",
                "warning",
            ],
            cwd=base,
            env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.local"},
        )
        try:
            self._wait_until_up()
            with tempfile.TemporaryDirectory() as tmp:
                prefix = Path(tmp) / "load"
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "locust",
                        "-f",
                        str(base / "devtools/loadtest/locustfile.py"),
                        "--headless",
                        "-u",
                        str(users),
                        "-r",
                        str(max(1, users // 5)),
                        "-t",
                        f"{seconds}s",
                        "--host",
                        f"http://127.0.0.1:{PORT}",
                        "--csv",
                        str(prefix),
                        "--only-summary",
                        "--stop-timeout",
                        "10",
                    ],
                    cwd=base,
                    env=env,
                    check=False,
                    timeout=seconds + 120,
                )
                with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
                    rows = list(csv.DictReader(stats))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        total = next(r for r in rows if r["Name"] == "Aggregated")
        self.stdout.write(
            f"{'page':<16} {'requests':>9} {'failures':>9} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7}"
        )
        for row in rows:
            self.stdout.write(
                f"{row['Name']:<16} {row['Request Count']:>9} {row['Failure Count']:>9} {row['50%']:>8} "
                f"{row['95%']:>8} {float(row['Requests/s']):>7.1f}"
            )
        self.stdout.write(f"errors: {total['Failure Count']}, p95: {total['95%']} ms")

    def _wait_until_up(self):
        for _ in range(60):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/login/", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        raise CommandError("gunicorn did not start")
