"""The bench against a baseline database, end to end at a tiny size: 200 persons measured
against a second database of 100, interleaved, with the floor rows and the stock peers."""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from guardian.models import GroupObjectPermission, UserObjectPermission

pytestmark = [pytest.mark.postgres, pytest.mark.django_db, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
USERS = ["sw_chengguan", "police_chengguan", "sup_chengguan", "sup_county", "ws_chengguan"]


@pytest.fixture
def baseline_url():
    """A second database, migrated and seeded with 100 persons the way a developer would
    (manage.py in its own process), dropped afterwards."""
    conf = connection.settings_dict
    name = f"casework_bench_smoke_{os.getpid()}"
    server = f"postgres://{conf['USER']}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}"
    admin = {"host": conf["HOST"] or "127.0.0.1", "port": conf["PORT"] or 5432, "user": conf["USER"]}
    admin["dbname"] = "postgres"
    if conf.get("PASSWORD"):
        admin["password"] = conf["PASSWORD"]
        server = server.replace("@", f":{conf['PASSWORD']}@", 1)
    with psycopg.connect(**admin, autocommit=True) as pg:
        pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        pg.execute(f'CREATE DATABASE "{name}"')
    url = f"{server}/{name}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    try:
        for command in (["migrate", "-v0"], ["seed_demo", "--persons", "100", "-v0"]):
            subprocess.run(
                [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=300
            )
        yield url
    finally:
        with psycopg.connect(**admin, autocommit=True) as pg:
            pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_bench_against_a_baseline_database_with_floor_and_peers(baseline_url, tmp_path, capsys):
    generic_before = (UserObjectPermission.objects.count(), GroupObjectPermission.objects.count())
    out_file = tmp_path / "bench.json"
    call_command(
        "bench",
        "--persons",
        "200",
        "--requests",
        "2",
        "--baseline-db",
        baseline_url,
        "--peers",
        "--json",
        str(out_file),
    )
    out = capsys.readouterr().out
    result = json.loads(out_file.read_text())
    assert (result["persons"], result["baseline_persons"]) == (200, 100)

    assert [f["user"] for f in result["floors"]] == USERS
    for floor in result["floors"]:
        assert floor["p50_ms"] > 0 and floor["baseline_p50_ms"] > 0 and floor["flatness"] > 0
        assert floor["queries"] <= 6, floor  # the layout alone: session, user, post, tokens
        assert floor["python_kcalls"] > 1, floor
    floors = {f["user"]: f["p50_ms"] for f in result["floors"]}
    floor_calls = {f["user"]: f["python_kcalls"] for f in result["floors"]}
    assert len(result["pages"]) == 20
    for page in result["pages"]:
        assert page["baseline_p50_ms"] > 0, page
        # The ratios come from the unrounded timings; the p50s shown are rounded to 0.1 ms.
        assert page["flatness"] == pytest.approx(
            page["p50_ms"] / page["baseline_p50_ms"], rel=0.02, abs=0.01
        ), page
        assert page["floor_ratio"] == pytest.approx(
            page["p50_ms"] / floors[page["user"]], rel=0.02, abs=0.01
        ), page
        assert page["baseline_visible_persons"] > 0, page
        assert page["python_kcalls"] > 1, page
        assert page["calls_floor_ratio"] == pytest.approx(
            page["python_kcalls"] / floor_calls[page["user"]], rel=0.02, abs=0.01
        ), page
    by_page = {p["page"]: p for p in result["pages"]}
    # The county supervisor sees the whole county: more persons in the main database than in the baseline.
    county = by_page["person list · county supervisor"]
    assert county["visible_persons"] > county["baseline_visible_persons"]

    peers = {(p["peer"], p["user"]): p for p in result["peers"]}
    assert set(peers) == {
        *(
            ("guardian get_objects_for_user", u)
            for u in ("sw_chengguan", "police_chengguan", "sup_chengguan", "sup_county")
        ),
        *(("viewflow Task.objects.user_queue", u) for u in ("sw_chengguan", "ws_chengguan")),
    }
    for peer in result["peers"]:
        assert peer["p50_ms"] > 0 and peer["queries"] > 0 and peer["ratio"] > 0, peer
    # Copied grants give the stock query the persons our door gives a grant holder; a
    # supervisor sees by region, which no grant expresses.
    for user in ("sw_chengguan", "police_chengguan"):
        peer = peers["guardian get_objects_for_user", user]
        assert peer["rows"] == peer["ours_rows"] > 0, peer
    assert peers["guardian get_objects_for_user", "sup_county"]["rows"] == 0
    # The agency queue holds open steps; stock viewflow finds them through the copied group grants.
    assert peers["viewflow Task.objects.user_queue", "ws_chengguan"]["rows"] > 0
    # The copies were rolled back.
    assert (UserObjectPermission.objects.count(), GroupObjectPermission.objects.count()) == generic_before

    assert "200 persons against a baseline of 100" in out
    assert "floor (base layout) · sw_chengguan" in out and "× floor" in out and "flatness" in out
    assert out.count("guardian get_objects_for_user") == 4
    assert out.count("viewflow Task.objects.user_queue") == 2


def test_reuse_refuses_an_empty_database():
    with pytest.raises(CommandError, match="holds no persons"):
        call_command("bench", "--reuse", "--requests", "1")


def test_baseline_options_exclude_each_other(tmp_path):
    with pytest.raises(CommandError, match="exclude each other"):
        call_command("bench", "--baseline", str(tmp_path / "x.json"), "--baseline-db", "postgres://x@y/z")
