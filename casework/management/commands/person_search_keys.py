"""Refill every person's search keys (after ID_NUMBER_SEARCH_KEY is changed)."""

from django.core.management.base import BaseCommand

from casework.models import Person
from casework.search_keys import keys_refill


class Command(BaseCommand):
    help = "Recompute the ID-number hash and the pinyin initials of every person."

    def handle(self, *args, **options):
        total = keys_refill(Person)
        self.stdout.write(f"{total} persons")
