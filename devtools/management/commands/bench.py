"""``manage.py bench [--persons N] [--requests R] [--baseline-db URL] [--reuse] [--peers] [--json FILE]``:
print what the key pages cost."""

import json

from django.core.management.base import BaseCommand, CommandError

from devtools import bench


class Command(BaseCommand):
    help = "Build (or reuse) N demo persons on PostgreSQL and measure the key pages and the daily scan."

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=100_000)
        parser.add_argument("--requests", type=int, default=30)
        parser.add_argument("--json", dest="json_path")
        parser.add_argument(
            "--baseline-db",
            dest="baseline_db",
            help="URL of a second PostgreSQL database seeded at a smaller size: each page's requests "
            "alternate between the two databases and the flatness ratio comes from the same run",
        )
        parser.add_argument(
            "--baseline",
            help="JSON of an earlier run at a smaller size (another database, another run): adds the flatness ratio",
        )
        parser.add_argument(
            "--reuse",
            action="store_true",
            help="measure the data set the database holds; do not run seed_demo",
        )
        parser.add_argument(
            "--peers",
            action="store_true",
            help="also time guardian's and viewflow's stock queries for the same users (grants copied, rolled back)",
        )

    def handle(
        self,
        *args,
        persons,
        requests,
        json_path=None,
        baseline_db=None,
        baseline=None,
        reuse=False,
        peers=False,
        **options,
    ):
        if baseline and baseline_db:
            raise CommandError(
                "--baseline and --baseline-db exclude each other: --baseline-db measures both in one run"
            )
        if requests < 1:
            raise CommandError("--requests must be at least 1")
        try:
            result = bench.run(
                persons, requests, log=self.stdout.write, baseline_db=baseline_db, reuse=reuse, peers=peers
            )
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        if baseline:
            with open(baseline, encoding="utf-8") as fh:
                bench.add_flatness(result, json.load(fh))
        self.stdout.write(bench.table(result))
        if json_path:
            with open(json_path, "w", encoding="utf-8") as fh:
                json.dump(result, fh, ensure_ascii=False, indent=2)
            self.stdout.write(f"wrote {json_path}")
