"""No dead links: every demo role follows every link the app renders for it, breadth-first from
the home page, and every page answers 200 or a redirect, none 404 or 5xx.

Links that are not followed, and why, are in `tests.workflows.crawl.SKIP`: logging out, exports
(files without links, tested with their pages) and static files. Forms that post are not links.
"""

import pytest
from django.core.management import call_command

from tests.workflows.crawl import crawl
from tests.workflows.test_demo_pages import ROLES, _log_in

pytestmark = pytest.mark.django_db

PAGES = 160


def test_every_link_the_app_renders_for_every_demo_role_answers(client):
    call_command("seed_demo", "--persons", "60", verbosity=0)
    call_command("scan_obligations", verbosity=0)
    call_command("refresh_figures", verbosity=0)
    dead, sizes = {}, {}
    for username in ROLES:
        _log_in(client, username)
        answers, linked_from = crawl(client, PAGES)
        client.logout()
        sizes[username] = len(answers)
        bad = {url: (code, linked_from[url]) for url, code in answers.items() if code not in (200, 301, 302)}
        if bad:
            dead[username] = bad
    assert dead == {}
    # Every role reaches the full sample, except 人社 and 民政, whose demo world (their referrals'
    # persons) holds fewer pages: their walk ended because nothing was left to follow.
    assert {u for u, n in sizes.items() if n < PAGES} <= {"hr_chengguan", "civil_chengguan"}, sizes
    assert min(sizes.values()) > 50, sizes
