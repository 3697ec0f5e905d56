"""The bench command runs end to end at a small size (the 100,000-person run is in docs/performance.md)."""

import json

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.postgres, pytest.mark.django_db, pytest.mark.slow]

QUERY_LIMIT = 12  # worker pages: at most 12 queries
# The overdue audit, rates and the 无毒社区 assessment (pinned flat in their own tests); the audit also counts
# the period's timeliness (2 grouped queries) and lists held completions (3).
SUPERVISOR_AGGREGATE_LIMIT = 17
ASSESSMENT_LIMIT = 40


def test_bench_smoke_at_2000_persons(tmp_path, capsys):
    out_file = tmp_path / "bench.json"
    call_command("bench", "--persons", "2000", "--requests", "5", "--json", str(out_file))
    result = json.loads(out_file.read_text())
    assert result["persons"] == 2000
    assert len(result["pages"]) == 20  # 14 pages and 6 API endpoints
    for figure in result["pages"]:
        assert figure["p50_ms"] > 0 and figure["p95_ms"] >= figure["p50_ms"]
        assert figure["visible_persons"] > 0
        aggregate = figure["page"].split(" · ")[0] in ("overdue audit", "rates", "rates, live")
        if figure["page"].startswith("assessment"):
            # Every criterion for the year and the year before (the trend), each a grouped query.
            assert figure["queries"] <= ASSESSMENT_LIMIT, figure
        else:
            assert figure["queries"] <= (SUPERVISOR_AGGREGATE_LIMIT if aggregate else QUERY_LIMIT), figure
        assert figure["max_literal_ids"] <= 1000, figure
    # Tomorrow's scan, its rerun, then 30 days ahead and its rerun; each rerun changes nothing.
    tomorrow, tomorrow_again, month, month_again = result["scan_obligations"]
    assert [s["days_ahead"] for s in result["scan_obligations"]] == [1, 1, 30, 30]
    assert month["marked"] > tomorrow["marked"]
    for rerun in (tomorrow_again, month_again):
        assert rerun["marked"] == 0 and rerun["reminders"] == 0
    assert result["figures_refresh"]["rows"] > 0
    assert "person list · county supervisor" in capsys.readouterr().out
