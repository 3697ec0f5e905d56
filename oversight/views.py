"""Pages for supervisors: the overdue audit (with drill-down, per-staff figures and export)."""

from io import BytesIO

from django import forms
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.deadlines import period_label
from casework.forms import DATE_WIDGET
from casework.models import Agency, Region
from config.db_routers import replica_reads
from oversight.audit import (
    CERTIFICATION_DAYS,
    KINDS,
    PARTIES,
    TIMELINESS_BUCKETS,
    AuditFilters,
    drill_down,
    episodes_in_view,
    overdue_rows,
    staff_figures,
    timeliness_items,
    timeliness_totals,
    with_days,
)
from oversight.charts import overdue_bars
from permissions import selectors
from permissions.models import AccessLog
from permissions.services import access_log_write

EXPORT_LIMIT = 50_000


class AuditForm(forms.Form):
    region = forms.ModelChoiceField(
        queryset=Region.objects.none(), required=False, label=gettext_lazy("区域")
    )
    kind = forms.ChoiceField(required=False, label=gettext_lazy("事项"))
    party = forms.ChoiceField(required=False, label=gettext_lazy("负责方"))
    staff = forms.CharField(required=False, max_length=150, label=gettext_lazy("负责人用户名"))
    min_days = forms.IntegerField(
        required=False, min_value=0, max_value=3650, label=gettext_lazy("逾期天数不少于")
    )

    def __init__(self, *args, root: Region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(
            path__startswith=root.path, depth__gt=root.depth
        ).order_by("path")
        self.fields["region"].label_from_instance = lambda r: ("　" * (r.depth - root.depth - 1)) + r.name
        self.fields["region"].empty_label = _("全部（%(name)s）") % {"name": root.name}
        self.fields["kind"].choices = [("", _("全部事项"))] + list(KINDS.items())
        self.fields["party"].choices = [("", _("全部"))] + list(PARTIES.items())

    def filters(self) -> AuditFilters:
        if not self.is_valid():
            return AuditFilters()
        data = self.cleaned_data
        region = data.get("region")
        return AuditFilters(
            region_path=region.path if region else "",
            kind=data.get("kind") or "",
            party=data.get("party") or "",
            staff=(data.get("staff") or "").strip(),
            min_days=data.get("min_days") or 0,
        )


TIMELINESS_LISTED = 100  # the items of a bucket named on the audit page, most days late first


class TimelinessForm(forms.Form):
    """The period of the timeliness section on the audit page (default: this month to date)."""

    start = forms.DateField(required=False, label=gettext_lazy("到期起始日期"), widget=DATE_WIDGET)
    end = forms.DateField(required=False, label=gettext_lazy("到期截止日期"), widget=DATE_WIDGET)
    bucket = forms.ChoiceField(
        required=False, label=gettext_lazy("明细"), choices=[("", "—"), *TIMELINESS_BUCKETS.items()]
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            self.add_error("end", _("截止日期不能早于起始日期。"))
        return cleaned

    def period(self, today):
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return (
            data.get("start") or today.replace(day=1),
            data.get("end") or today,
            data.get("bucket") or "",
        )


def timeliness_context(user, region: Region, start, end, bucket: str, today) -> dict:
    """The audit page's timeliness section: counts for the period, and one bucket's items.

    The persons are those the rates count (`rates.region_persons`), so the counts equal the
    及时率 of the rates page and of the monthly report for the same period.
    """
    from oversight.rates import region_persons

    persons = region_persons(user, region)
    totals = timeliness_totals(persons, start, end, today)
    return {
        "start": start,
        "end": end,
        "totals": totals,
        "rate": round(100 * totals["on_time"] / totals["due"], 1) if totals["due"] else None,
        "buckets": [(key, label, totals[key]) for key, label in TIMELINESS_BUCKETS.items()],
        "bucket": bucket,
        "bucket_label": TIMELINESS_BUCKETS.get(bucket, ""),
        "items": timeliness_items(persons, start, end, today, bucket, TIMELINESS_LISTED) if bucket else [],
        "listed": TIMELINESS_LISTED,
    }


def _supervisor_or_404(request):
    staff = selectors.staff_for(request.user)
    if staff is None or staff.agency.kind != Agency.Kind.DRUG_CONTROL:
        raise Http404
    return staff


@replica_reads
def overdue_audit(request):
    staff = _supervisor_or_404(request)
    today = timezone.localdate()
    root = staff.agency.region
    form = AuditForm(request.GET or None, root=root)
    filters = form.filters()
    rows = overdue_rows(request.user, today, filters)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    focus = form.cleaned_data.get("region") if form.is_bound and form.is_valid() else None
    query = request.GET.copy()
    query.pop("page", None)
    drill = (
        drill_down(request.user, focus or root, today)
        if (focus or root).level != Region.Level.COMMUNITY
        else []
    )
    from casework.holds import completions_held

    timeliness_form = TimelinessForm(request.GET or None, prefix="t")
    start, end, bucket = timeliness_form.period(today)
    timeliness_query = request.GET.copy()
    for key in ("page", "t-bucket"):
        timeliness_query.pop(key, None)
    return render(
        request,
        "oversight/overdue.html",
        {
            "form": form,
            "page": page,
            "rows": with_days(page.object_list, today),
            "query": query.urlencode(),
            "drill": drill,
            "drill_region": focus or root,
            "staff_rows": staff_figures(request.user, today, filters.region_path)[:30],
            "today": today,
            "certification_days": CERTIFICATION_DAYS,  # the default shown on the page
            "overdue_chart": overdue_bars(drill, focus or root),  # inline SVG
            "held": completions_held(episodes_in_view(request.user, filters.region_path), today),
            "timeliness_form": timeliness_form,
            "timeliness_query": timeliness_query.urlencode(),
            "timeliness": timeliness_context(request.user, focus or root, start, end, bucket, today),
        },
    )


@replica_reads
def overdue_export(request):
    staff = _supervisor_or_404(request)
    today = timezone.localdate()
    form = AuditForm(request.GET or None, root=staff.agency.region)
    rows = with_days(overdue_rows(request.user, today, form.filters())[:EXPORT_LIMIT], today)
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "逾期事项"
    headers = [
        _("事项"),
        _("姓名"),
        _("乡镇(街道)"),
        _("社区"),
        _("负责方"),
        _("负责人"),
        _("截止日期"),
        _("期限计算方式"),
        _("逾期天数"),
    ]
    sheet.append([str(h) for h in headers])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(
            [
                str(row["kind_label"]),
                row["person_name"],
                row["township"],
                row["community"],
                str(row["party_label"]),
                row["staff"],
                row["due"],
                period_label(row["period_days"], row["day_count"]),
                row["days"],
            ]
        )
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHI", (14, 10, 14, 14, 10, 16, 12, 12, 10), strict=True):
        sheet.column_dimensions[column].width = width
    access_log_write(
        request=request,
        person_ids=sorted({row["person_id"] for row in rows}),
        action=AccessLog.Action.EXPORT,
        record_types=["overdue"],
    )
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="overdue-{today:%Y%m%d}.xlsx"'
    return response


class PeriodForm(forms.Form):
    region = forms.ModelChoiceField(
        queryset=Region.objects.none(), required=False, label=gettext_lazy("区域")
    )
    start = forms.DateField(label=gettext_lazy("起始日期"), widget=DATE_WIDGET)
    end = forms.DateField(label=gettext_lazy("截止日期"), widget=DATE_WIDGET)

    def __init__(self, *args, root: Region, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = (
            Region.objects.filter(path__startswith=root.path)
            .exclude(level=Region.Level.COMMUNITY)
            .order_by("path")
        )
        self.fields["region"].empty_label = root.name

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["start"] > cleaned["end"]:
            self.add_error("end", _("截止日期不能早于起始日期。"))
        return cleaned


def _period(request, root):
    today = timezone.localdate()
    initial = {"start": today.replace(month=1, day=1), "end": today}
    form = PeriodForm(request.GET or None, root=root, initial=initial)
    if form.is_bound and form.is_valid():
        return (
            form,
            form.cleaned_data.get("region") or root,
            form.cleaned_data["start"],
            form.cleaned_data["end"],
        )
    return form, root, initial["start"], initial["end"]


@replica_reads
def rates_page(request):
    from oversight.drilldown import UNITS
    from oversight.rates import RATES, rates_for

    staff = _supervisor_or_404(request)
    form, region, start, end = _period(request, staff.agency.region)
    sheet = rates_for(request.user, region, start, end, live=_live(request))
    from oversight.charts import rates_trend

    return render(
        request,
        "oversight/rates.html",
        {
            "form": form,
            "sheet": sheet,
            "root": staff.agency.region,
            "timeliness_buckets": list(TIMELINESS_BUCKETS.items()),
            "query": request.GET.urlencode(),
            "trend": rates_trend(request.user, region),
            # Each rate with the figures behind its numerator and denominator, where a list of
            # the persons counted can be drawn (oversight.drilldown).
            "rows": [
                (rate, numerator if numerator in UNITS else "", denominator if denominator in UNITS else "")
                for rate, (_key, _label, numerator, denominator, _d) in zip(sheet.rates, RATES, strict=True)
            ],
            "drill_query": _drill_query(request),
        },
    )


def _drill_query(request) -> str:
    query = request.GET.copy()
    for key in ("live", "figure", "page"):
        query.pop(key, None)
    return query.urlencode()


def _live(request) -> bool:
    """?live=1 computes from the records now instead of last night's figures."""
    return request.GET.get("live") == "1"


@replica_reads
def rates_export(request):
    from openpyxl import Workbook

    from oversight.rates import rates_for

    staff = _supervisor_or_404(request)
    _form, region, start, end = _period(request, staff.agency.region)
    sheet = rates_for(request.user, region, start, end, live=_live(request))
    book = Workbook()
    ws = book.active
    ws.title = "指标"
    ws.append([str(_("区域")), region.name, str(_("期间")), f"{date_format(start)} ~ {date_format(end)}"])
    ws.append([str(_("指标")), str(_("分子")), str(_("分母")), str(_("比率(%)")), str(_("口径"))])
    for rate in sheet.rates:
        ws.append([str(rate.label), rate.numerator, rate.denominator, rate.value, str(rate.definition)])
    ws.append([str(_("戒断三年未复吸人数")), sheet.three_years_clean])
    timeliness = sheet.timeliness
    ws.append([str(_("本期到期事项")), timeliness["due"]])
    for key, label in TIMELINESS_BUCKETS.items():
        ws.append([str(label), timeliness[key]])
    buffer = BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="rates-{start:%Y%m%d}-{end:%Y%m%d}.xlsx"'
    return response
