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
