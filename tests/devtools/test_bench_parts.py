"""The bench's pure parts: the interleaving order, the ratios, the table, the database switch
and the switch that makes guardian read its generic tables."""

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

from casework.models import Person
from devtools import bench
from permissions.models import PersonGroupObjectPermission, PersonUserObjectPermission


def test_interleaving_turns_the_first_side_each_round():
    assert bench.interleaved(4, ["default", "baseline"]) == [
        "default",
        "baseline",
        "baseline",
        "default",
        "default",
        "baseline",
        "baseline",
        "default",
    ]


def test_interleaving_requests_every_side_once_a_round():
    order = bench.interleaved(5, ["a", "b", "c"])
    assert len(order) == 15
    for i in range(5):
        assert sorted(order[3 * i : 3 * i + 3]) == ["a", "b", "c"]
    assert [order[3 * i] for i in range(5)] == ["a", "b", "c", "a", "b"]


def test_interleaving_one_side_is_plain_repetition():
    assert bench.interleaved(3, ["default"]) == ["default"] * 3


def test_ratio_rounds_and_refuses_what_is_missing():
    assert bench.ratio(30.0, 12.0) == 2.5
    assert bench.ratio(10.0, 3.0) == 3.33
    assert bench.ratio(10.0, None) is None
    assert bench.ratio(10.0, 0.0) is None
    assert bench.ratio(None, 5.0) is None


def test_floor_ratio_divides_by_the_same_users_floor():
    floors = [
        {"user": "sw", "p50_ms": 10.0, "python_kcalls": 20.0},
        {"user": "sup", "p50_ms": 20.0, "python_kcalls": 25.0},
    ]
    pages = [
        {"page": "list · sw", "user": "sw", "p50_ms": 35.0, "python_kcalls": 60.0},
        {"page": "list · sup", "user": "sup", "p50_ms": 35.0, "python_kcalls": 50.0},
        {"page": "list · nobody", "user": "nobody", "p50_ms": 35.0, "python_kcalls": 50.0},
    ]
    bench.add_floor_ratios(pages, floors)
    assert [p["floor_ratio"] for p in pages] == [3.5, 1.75, None]
    assert [p["calls_floor_ratio"] for p in pages] == [3.0, 2.0, None]


def test_flatness_from_an_earlier_runs_json():
    result = {"pages": [{"page": "a", "p50_ms": 24.0}, {"page": "b", "p50_ms": 9.0}]}
    bench.add_flatness(result, {"persons": 1000, "pages": [{"page": "a", "p50_ms": 20.0}]})
    assert result["baseline_persons"] == 1000
    assert result["pages"][0]["flatness"] == 1.2 and result["pages"][0]["baseline_p50_ms"] == 20.0
    assert result["pages"][1]["flatness"] is None


def _figure(page, user, p50, **extra):
    figure = {
        "page": page,
        "user": user,
        "visible_persons": 21,
        "p50_ms": p50,
        "p95_ms": p50 + 5,
        "queries": 6,
        "sql_ms": 1.5,
        "overhead": 13.4,
        "max_literal_ids": 0,
        "slowest_sql": "",
        "baseline_visible_persons": None,
        "baseline_p50_ms": None,
        "flatness": None,
        "floor_ratio": None,
        "python_kcalls": None,
        "calls_floor_ratio": None,
    }
    figure.update(extra)
    return figure


def test_table_has_the_floor_rows_first_and_every_column():
    result = {
        "persons": 10000,
        "baseline_persons": 1000,
        "floors": [
            _figure(
                bench.FLOOR_LABEL + "sw_chengguan", "sw_chengguan", 8.0, baseline_p50_ms=7.9, flatness=1.01
            )
        ],
        "pages": [
            _figure(
                "person list · social worker",
                "sw_chengguan",
                20.0,
                baseline_p50_ms=16.0,
                flatness=1.25,
                floor_ratio=2.5,
                python_kcalls=60.0,
                calls_floor_ratio=3.0,
            ),
            _figure("rates · county supervisor", "sup_county", 11.8),
        ],
        "peers": [
            {
                "peer": "guardian get_objects_for_user",
                "user": "sw_chengguan",
                "rows": 21,
                "p50_ms": 9.0,
                "runs": 10,
                "queries": 4,
                "ours_page": "person list · social worker",
                "page_p50_ms": 20.0,
                "ours_p50_ms": 20.0,
                "ours_queries": 6,
                "ours_rows": 21,
                "ratio": 0.45,
            },
            {
                "peer": "guardian get_objects_for_user",
                "user": "sup_county",
                "rows": 0,
                "p50_ms": 5.0,
                "runs": 10,
                "queries": 4,
                "ours_page": "person list · county supervisor",
                "page_p50_ms": 25.0,
                "ours_p50_ms": 25.0,
                "ours_queries": 6,
                "ours_rows": 5000,
                "ratio": 0.2,
            },
        ],
        "scan_obligations": [
            {"days_ahead": 1, "seconds": 1.0, "marked": 3, "reminders": 3},
            {"days_ahead": 30, "seconds": 4.0, "marked": 90, "reminders": 90},
        ],
        "figures_refresh": {"seconds": 2.0, "rows": 9},
    }
    lines = bench.table(result).splitlines()
    assert lines[0].startswith("10000 persons against a baseline of 1000")
    header, rule, floor, page, other = lines[1:6]
    assert header.split()[0] == "page" and header.split()[-1] == "flatness"
    assert "× floor" in header and "base p50" in header
    assert len(rule) == len(header) == len(floor) == len(page) == len(other)
    assert floor.startswith("floor (base layout) · sw_chengguan")
    assert page.split()[-5:] == ["2.5", "60.0", "3.0", "16.0", "1.25"]
    assert "k calls" in header and "calls × fl" in header
    assert other.split()[-5:] == ["-"] * 5  # no floor row, calls or baseline: dashes, not zeros
    peers = [line for line in lines if line.startswith("guardian get_objects_for_user")]
    assert [line.split()[-2:] for line in peers] == [["0.45", "20.0"], ["0.2", "25.0"]]
    assert any(line.startswith("rows differ where a supervisor sees by region") for line in lines)
    assert lines[-3:-1] == [
        "scan_obligations run 1 as of 1 day ahead: 1.0 s, 3 marked overdue, 3 reminders",
        "scan_obligations run 2 as of 30 days ahead: 4.0 s, 90 marked overdue, 90 reminders",
    ]


def test_table_without_baseline_or_peers_says_nothing_of_them():
    text = bench.table(
        {
            "persons": 200,
            "pages": [_figure("a", "sw", 1.0)],
            "scan_obligations": [],
            "figures_refresh": {"seconds": 1, "rows": 1},
        }
    )
    assert "baseline of" not in text and "peer" not in text


def test_baseline_alias_copies_the_default_connection_and_goes_away():
    url = "postgres://someone@db.example:6543/casework_bench_elsewhere"
    with bench.baseline_database(url) as alias:
        conf = bench.OTHER_DATABASES[alias].settings_dict
        assert (conf["ENGINE"], conf["NAME"], conf["HOST"], conf["PORT"], conf["USER"]) == (
            "django.db.backends.postgresql",
            "casework_bench_elsewhere",
            "db.example",
            6543,
            "someone",
        )
        default = connections.settings[DEFAULT_DB_ALIAS]
        assert conf["TIME_ZONE"] == default["TIME_ZONE"] and conf["CONN_MAX_AGE"] == default["CONN_MAX_AGE"]
        if default["ENGINE"].endswith("postgresql"):
            assert conf["OPTIONS"] == default["OPTIONS"]  # random_page_cost as on the main connection
    assert alias not in bench.OTHER_DATABASES and alias not in connections


def test_baseline_alias_must_be_postgresql():
    with (
        pytest.raises(RuntimeError, match="PostgreSQL"),
        bench.baseline_database("sqlite:///elsewhere.sqlite3"),
    ):
        pass
    assert bench.BASELINE not in bench.OTHER_DATABASES


def test_on_database_makes_the_alias_the_default_for_a_while():
    with bench.baseline_database("postgres://someone@db.example:6543/casework_bench_elsewhere") as alias:
        main = connections[DEFAULT_DB_ALIAS]
        with bench.on_database(alias):
            assert connections[DEFAULT_DB_ALIAS] is bench.OTHER_DATABASES[alias]
            assert connections[DEFAULT_DB_ALIAS] is not main
        assert connections[DEFAULT_DB_ALIAS] is main
        with bench.on_database(DEFAULT_DB_ALIAS):
            assert connections[DEFAULT_DB_ALIAS] is main


@pytest.mark.django_db
def test_guardian_reads_the_generic_tables_only_inside_the_switch():
    assert get_user_obj_perms_model(Person) is PersonUserObjectPermission
    assert get_group_obj_perms_model(Person) is PersonGroupObjectPermission
    with bench.generic_guardian_tables():
        assert get_user_obj_perms_model(Person) is UserObjectPermission
        assert get_group_obj_perms_model(Person) is GroupObjectPermission
    assert get_user_obj_perms_model(Person) is PersonUserObjectPermission
    assert get_group_obj_perms_model(Person) is PersonGroupObjectPermission
