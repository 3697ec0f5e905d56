"""Inline-SVG charts: exact points for known numbers, accessible names, the pages show them."""

from datetime import date

import pytest
from django.urls import reverse

from casework.models import Episode
from oversight.charts import Series, bar_chart, line_chart, line_points
from tests import factories as f


def test_line_points_for_known_values():
    # plot 580 x 200 from (44, 16): x steps of 290; 0% at y=216, 50% at 116, 100% at 16
    assert line_points([0, 50, 100]) == [[(44.0, 216.0), (334.0, 116.0), (624.0, 16.0)]]
    # a month without a denominator (None) breaks the line
    assert line_points([25, None, 75]) == [[(44.0, 166.0)], [(624.0, 66.0)]]


def test_line_chart_svg_has_the_points_a_title_and_a_desc():
    svg = line_chart(
        "t", "近3个月指标", "折线图", ["25.01", "25.02", "25.03"], [Series("尿检率", [0, 50, 100])]
    )
    assert '<svg class="chart" id="t" role="img"' in svg
    assert 'aria-labelledby="t-title t-desc"' in svg
    assert '<title id="t-title">近3个月指标</title>' in svg and '<desc id="t-desc">折线图</desc>' in svg
    assert 'points="44,216 334,116 624,16"' in svg
    assert ">25.02</text>" in svg and ">尿检率</text>" in svg


def test_bar_chart_scales_to_the_largest_value_and_escapes_labels():
    svg = bar_chart("b", "逾期", "条形图", [("镇<甲>", 4), ("镇乙", 2), ("镇丙", 0)])
    # plot width 430 px: 4 -> 430, 2 -> 215, 0 -> 0
    assert 'width="430" height="22" rx="3" fill="#d92d20" data-value="4"' in svg
    assert 'width="215" height="22" rx="3" fill="#d92d20" data-value="2"' in svg
    assert 'width="0" height="22" rx="3" fill="#d92d20" data-value="0"' in svg
    assert "镇&lt;甲&gt;" in svg and "<甲>" not in svg


@pytest.mark.django_db
def test_overdue_page_draws_overdue_by_township(client, world):
    for _ in range(3):
        f.person_with_episode(world["c1"], status=Episode.Status.DECIDED, served_on=date(2025, 5, 1))
    f.person_with_episode(world["c2"], status=Episode.Status.DECIDED, served_on=date(2025, 5, 1))
    client.force_login(world["county_sup_user"])
    body = client.get(reverse("overdue_audit")).content.decode()
    assert 'id="overdue-bars"' in body
    assert 'data-value="3"' in body and 'data-value="1"' in body
    assert f">{world['t1'].name}</text>" in body


@pytest.mark.django_db
def test_rates_page_draws_twelve_months(client, world):
    client.force_login(world["sup1_user"])
    response = client.get(reverse("rates"))
    body = response.content.decode()
    assert 'id="rates-trend"' in body
    trend = response.context["trend"]
    assert len(trend["months"]) == 12
    assert [label for label, _values in trend["rows"]] == ["尿检率", "管控率", "帮教率", "报到率"]
    assert "查看数据表" in body


def test_month_labels_are_chinese_with_the_year_under_january_and_the_first_month():
    from oversight.charts import month_label

    assert month_label(date(2026, 3, 1)) == "3月"
    assert month_label(date(2026, 1, 1)) == "1月\n2026年"
    assert month_label(date(2025, 12, 1), first=True) == "12月\n2025年"
    assert month_label(date(2026, 12, 1), partial_to=date(2026, 12, 2)) == "12月\n至2日"


def test_a_partial_month_is_drawn_hollow_dashed_and_on_a_band_but_not_on_the_solid_line():
    svg = line_chart(
        "t",
        "近3个月",
        "折线图",
        ["1月", "2月", "3月\n至2日"],
        [Series("帮教率", [50, 100, 0])],
        partial=frozenset({2}),
    )
    # the complete months: a solid line from (44,116) to (334,16); the partial month not on it
    assert 'points="44,116 334,16"/>' in svg
    assert (
        'class="partial" fill="none" stroke-width="2" stroke-dasharray="5 4" points="334,16 624,216"' in svg
    )
    assert '<circle class="partial" cx="624" cy="216" r="4" fill="#fff"' in svg
    # the band spans the last half step, clipped at the plot's right edge
    assert '<rect class="partial" data-index="2" x="479" y="16" width="145" height="200"' in svg
    assert '<tspan x="624" dy="0">3月</tspan><tspan x="624" dy="13">至2日</tspan>' in svg


@pytest.mark.django_db
def test_rates_trend_marks_the_current_month_partial_two_days_in(world):
    """On 2 December the December sheet covers two days: it is the one partial month."""
    from oversight.charts import rates_trend

    trend = rates_trend(world["sup1_user"], world["t1"], today=date(2026, 12, 2))
    assert trend["months"][-1] == date(2026, 12, 1) and trend["months"][0] == date(2026, 1, 1)
    assert trend["columns"][-1] == (date(2026, 12, 1), date(2026, 12, 2))
    assert all(partial_to is None for _m, partial_to in trend["columns"][:-1])
    assert "2026年12月尚未结束，只统计到2日" in trend["desc"]
    assert 'data-index="11"' in trend["svg"] and 'class="partial" data-index' in trend["svg"]
    assert ">1月</tspan><tspan" in trend["svg"] and ">2026年</tspan>" in trend["svg"]


@pytest.mark.django_db
def test_rates_trend_on_a_month_end_has_no_partial_month(world):
    from oversight.charts import rates_trend

    trend = rates_trend(world["sup1_user"], world["t1"], today=date(2026, 11, 30))
    assert all(partial_to is None for _m, partial_to in trend["columns"])
    assert 'class="partial"' not in trend["svg"]
