"""The application's PostgreSQL sessions plan as the pages need: random reads at SSD cost and no
JIT compilation (which, at a million persons, cost a page's statement five times its run)."""

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_session_has_ssd_read_costs_and_no_jit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
        cursor.execute("SHOW random_page_cost")
        assert float(cursor.fetchone()[0]) == 1.1
