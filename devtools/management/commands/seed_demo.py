"""``manage.py seed_demo [--persons N] [--seed S]``: load the demo data set (see devtools.demo)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from devtools.demo import DEFAULT_PERSONS, ID_SPACE, default_workers, seed_demo


class Command(BaseCommand):
    help = (
        "Create the demo county 城关县 with its agencies, demo accounts and N persons under order. "
        "Idempotent: a rerun adds only what is missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--persons",
            type=int,
            default=DEFAULT_PERSONS,
            help=f"number of persons (default {DEFAULT_PERSONS})",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="random seed; the same seed gives the same data"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes writing blocks of persons side by side (PostgreSQL only; "
            "default: one per core, at most 4)",
        )

    def handle(
        self, *args: object, persons: int, seed: int, workers: int | None, verbosity: int, **options: object
    ) -> None:
        if not 0 <= persons <= ID_SPACE:
            raise CommandError(f"--persons must be between 0 and {ID_SPACE}")
        if workers is not None and workers < 1:
            raise CommandError("--workers must be at least 1")
        log = self.stdout.write if verbosity >= 1 else None
        report = seed_demo(persons=persons, seed=seed, log=log, workers=workers or default_workers())
        if verbosity >= 1:
            self.stdout.write("\n".join(report.lines()))
