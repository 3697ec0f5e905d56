"""``manage.py bench [--persons N] [--requests R] [--json FILE]``: print what the key pages cost."""

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
            "--baseline", help="JSON of a run at N/100 persons (another database): adds the flatness ratio"
        )

    def handle(self, *args, persons, requests, json_path=None, baseline=None, **options):
        try:
            result = bench.run(persons, requests, log=self.stdout.write)
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
