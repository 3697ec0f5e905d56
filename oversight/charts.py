"""Charts as server-rendered inline SVG: no JavaScript, no front-end build step.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` naming what it shows;
pages put the same numbers in a table beside it (screen readers, printing, copying). The
geometry is plain arithmetic, so tests can assert the exact points for known data.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from casework.deadlines import add_months
from oversight.rates import monthly_series

WIDTH = 640
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 16, 44
COLOURS = ("#1f5fbf", "#d9480f", "#2b8a3e", "#862e9c", "#495057")


@dataclass
class Series:
    label: str
    values: list[float | None]


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def line_points(values: list[float | None], height: int = 260, y_max: float = 100.0) -> list[list[tuple]]:
    """Return the polyline segments (lists of (x, y)) of one series; a None breaks the line."""
    n = len(values)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = height - TOP - BOTTOM
    step = plot_w / (n - 1) if n > 1 else 0
    segments: list[list[tuple]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            if segments[-1]:
                segments.append([])
            continue
        v = max(0.0, min(float(value), y_max))
        x = LEFT + (i * step if n > 1 else plot_w / 2)
        y = TOP + plot_h * (1 - v / y_max)
        segments[-1].append((round(x, 1), round(y, 1)))
    return [s for s in segments if s]


def _label(x: float, y: int, label: str) -> str:
    """An x-axis label; a label with line breaks is set as lines under each other."""
    lines = label.split("\n")
    if len(lines) == 1:
        return f'<text x="{_num(x)}" y="{y}" text-anchor="middle">{escape(label)}</text>'
    spans = "".join(
        f'<tspan x="{_num(x)}" dy="{0 if i == 0 else 13}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text x="{_num(x)}" y="{y}" text-anchor="middle">{spans}</text>'


def line_chart(
    chart_id: str,
    title: str,
    desc: str,
    x_labels: list[str],
    series: list[Series],
    *,
    height: int = 260,
    y_max: float = 100.0,
    unit: str = "%",
    partial: frozenset[int] = frozenset(),
) -> SafeString:
    """A line chart of one or more series over the same x labels (e.g. rates by month).

    The points at the indices in `partial` (a month not yet over) are drawn hollow, on a shaded
    band, and reached by a dashed line: a figure for part of a month is not read as a fall.
    """
    plot_h = height - TOP - BOTTOM
    n = len(x_labels)
    plot_w = WIDTH - LEFT - RIGHT
    step = plot_w / (n - 1) if n > 1 else 0
    parts = [
        f'<svg class="chart" id="{chart_id}" role="img" viewBox="0 0 {WIDTH} {height + 24}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for i in sorted(partial):
        x = LEFT + (i * step if n > 1 else plot_w / 2)
        half = step / 2 if n > 1 else plot_w / 2
        band_left = max(LEFT, x - half)
        band_right = min(WIDTH - RIGHT, x + half)
        parts.append(
            f'<rect class="partial" data-index="{i}" x="{_num(band_left)}" y="{TOP}" '
            f'width="{_num(band_right - band_left)}" height="{_num(plot_h)}" fill="#f2f4f7"/>'
        )
    parts.append('<g font-size="11" fill="#475467">')
    for tick in range(0, 5):  # horizontal grid lines at 0, 25, 50, 75, 100 % of y_max
        value = y_max * tick / 4
        y = TOP + plot_h * (1 - tick / 4)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_num(y)}" y2="{_num(y)}" stroke="#eaecf0"/>'
            f'<text x="{LEFT - 6}" y="{_num(y + 4)}" text-anchor="end">{_num(value)}{escape(unit)}</text>'
        )
    for i, label in enumerate(x_labels):
        x = LEFT + (i * plot_w / (n - 1) if n > 1 else plot_w / 2)
        parts.append(_label(x, height - BOTTOM + 16, label))
    parts.append("</g>")
    legend_x = LEFT
    for index, s in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        parts.append(f'<g class="series" data-label="{escape(s.label)}" stroke="{colour}" fill="{colour}">')
        complete = [None if i in partial else v for i, v in enumerate(s.values)]
        for segment in line_points(complete, height, y_max):
            points = " ".join(f"{_num(x)},{_num(y)}" for x, y in segment)
            parts.append(f'<polyline fill="none" stroke-width="2" points="{points}"/>')
            parts += [f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3"/>' for x, y in segment]
        for i in sorted(partial):
            if i >= len(s.values) or s.values[i] is None:
                continue
            only = [v if j in (i - 1, i) else None for j, v in enumerate(s.values)]
            points = [p for segment in line_points(only, height, y_max) for p in segment]
            if len(points) == 2:
                line = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
                parts.append(
                    f'<polyline class="partial" fill="none" stroke-width="2" stroke-dasharray="5 4" points="{line}"/>'
                )
            x, y = points[-1]
            parts.append(
                f'<circle class="partial" cx="{_num(x)}" cy="{_num(y)}" r="4" fill="#fff" stroke-width="2"/>'
            )
        parts.append("</g>")
        # legend in one row under the axis labels
        ly = height + 6
        parts.append(
            f'<g font-size="12"><rect x="{legend_x}" y="{ly}" width="14" height="4" fill="{colour}"/>'
            f'<text x="{legend_x + 20}" y="{ly + 6}" fill="#101828">{escape(s.label)}</text></g>'
        )
        legend_x += 36 + 13 * len(s.label)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text went through escape()


def bar_chart(
    chart_id: str, title: str, desc: str, items: list[tuple[str, int]], *, bar: int = 22, gap: int = 8
) -> SafeString:
    """Horizontal bars (label, value), e.g. overdue items by township; the value is written at the end."""
    label_w = 150
    plot_w = WIDTH - label_w - 60
    height = TOP + len(items) * (bar + gap) + 8
    top = max((v for _l, v in items), default=0) or 1
    parts = [
        f'<svg class="chart" id="{chart_id}" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        '<g font-size="12">',
    ]
    for i, (label, value) in enumerate(items):
        y = TOP + i * (bar + gap)
        w = round(plot_w * value / top, 1)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar / 2 + 4:.0f}" text-anchor="end" fill="#101828">'
            f"{escape(label)}</text>"
            f'<rect x="{label_w}" y="{y}" width="{_num(w)}" height="{bar}" rx="3" fill="#d92d20" '
            f'data-value="{value}"/>'
            f'<text x="{_num(label_w + w + 6)}" y="{y + bar / 2 + 4:.0f}" fill="#101828">{value}</text>'
        )
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # every text went through escape()


# --- the charts of the supervisors' pages ----------------------------------------------------

TREND_KEYS = ("testing", "control", "help", "report")


def month_label(start: date, *, first: bool = False, partial_to: date | None = None) -> str:
    """The x label of a month in Chinese: "3月"; the year under January and under the first
    month shown; "至2日" under a month counted only to that day."""
    lines = [_("%(m)s月") % {"m": start.month}]
    if first or start.month == 1:
        lines.append(_("%(y)s年") % {"y": start.year})
    if partial_to is not None:
        lines.append(_("至%(d)s日") % {"d": partial_to.day})
    return "\n".join(lines)


def is_partial(start: date, end: date) -> bool:
    """A sheet that ends before its month does: the current month, counted to today."""
    return end < add_months(start.replace(day=1), 1) - timedelta(days=1)


def rates_trend(user, region, months: int = 12, today: date | None = None) -> dict:
    """Rates over the last `months` calendar months for the rates page: the SVG and its table.

    One call for the series (`rates.monthly_series`: the nightly figures, one query). The current
    month, counted only to today, is marked partial on the chart and in the table.
    """
    sheets = monthly_series(user, region, months, today)
    partial = frozenset(i for i, s in enumerate(sheets) if is_partial(s.start, s.end))
    labels = [
        month_label(s.start, first=i == 0, partial_to=s.end if i in partial else None)
        for i, s in enumerate(sheets)
    ]
    by_key = [s.by_key() for s in sheets]
    series = [
        Series(str(by_key[0][key].label) if by_key else key, [b[key].value for b in by_key])
        for key in TREND_KEYS
        if by_key and key in by_key[0]
    ]
    title = _("%(region)s近%(n)s个月主要指标") % {"region": region.name, "n": len(sheets)}
    desc = _("折线图：横轴为月份，纵轴为比率（%）；各月数值见下表。")
    if partial:
        last = sheets[max(partial)]
        desc += " " + _("%(month)s尚未结束，只统计到%(day)s日，以空心点和虚线表示。") % {
            "month": _("%(y)s年%(m)s月") % {"y": last.start.year, "m": last.start.month},
            "day": last.end.day,
        }
    return {
        "svg": line_chart("rates-trend", title, desc, labels, series, partial=partial),
        "title": title,
        "desc": desc,
        "months": [s.start for s in sheets],
        "columns": [(s.start, s.end if i in partial else None) for i, s in enumerate(sheets)],
        "rows": [(s.label, s.values) for s in series],
    }


def overdue_bars(drill: list[dict], region) -> dict | None:
    """Overdue items by child region (townships for a county) from the page's drill-down rows."""
    if not drill:
        return None
    title = _("%(region)s各下级区域逾期事项") % {"region": region.name}
    desc = _("条形图：每个下级区域的逾期事项合计；数值见上表。")
    items = [(d["region"].name, d["total"]) for d in drill]
    return {"svg": bar_chart("overdue-bars", title, desc, items), "title": title}
