"""The monthly report page: a supervisor picks a township of their region (or the county) and a
month, and downloads the A4 PDF: at once when it is stored, else once the background run that the
request starts has made it (the page polls its status)."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casework.models import Region
from config.db_routers import replica_reads
from oversight import tasks
from oversight.models import MonthlyReport
from oversight.monthly import (
    month_before,
    monthly_report_request,
    render_pdf,
    report_context,
    report_current,
)
from oversight.views import _supervisor_or_404
from permissions.models import AccessLog
from permissions.services import access_log_write


class MonthForm(forms.Form):
    township = forms.ModelChoiceField(
        queryset=Region.objects.none(), label=gettext_lazy("乡镇(街道)或全县汇总")
    )
    month = forms.CharField(
        label=gettext_lazy("月份"), widget=forms.TextInput(attrs={"type": "month"}), max_length=7
    )

    def __init__(self, *args, root: Region, **kwargs):
        super().__init__(*args, **kwargs)
        # A county supervisor's own county comes first: its report is the roll-up of the townships.
        self.fields["township"].queryset = Region.objects.filter(
            path__startswith=root.path, level__in=[Region.Level.COUNTY, Region.Level.TOWNSHIP]
        ).order_by("path")
        self.fields["township"].empty_label = None

    def clean_month(self):
        try:
            year, month = (int(x) for x in self.cleaned_data["month"].split("-"))
            first = date(year, month, 1)
        except ValueError as exc:
            raise forms.ValidationError(_("请按“年-月”选择月份。")) from exc
        if first > timezone.localdate():
            raise forms.ValidationError(_("不能选择未来的月份。"))
        return first


@replica_reads
def monthly_report_page(request):
    staff = _supervisor_or_404(request)
    root = staff.agency.region
    initial = {"month": f"{month_before(timezone.localdate().replace(day=1)):%Y-%m}"}
    form = MonthForm(request.POST or None, root=root, initial=initial)
    report = None
    if request.method == "POST" and form.is_valid():
        place = form.cleaned_data["township"]
        first = form.cleaned_data["month"]
        try:
            report, started = monthly_report_request(actor=request.user, township=place, month=first)
        except ValidationError as exc:
            form.add_error("month", exc)
        else:
            if started:
                pk = report.pk
                transaction.on_commit(lambda: tasks.monthly_report_make.delay(pk))
            if report_current(report, timezone.localdate()):
                return redirect("monthly_report_pdf", township=place.pk, year=first.year, month=first.month)
    stored = (
        MonthlyReport.objects.filter(township__path__startswith=root.path, status=MonthlyReport.Status.DONE)
        .exclude(file="")
        .select_related("township")
        .order_by("-month", "township__path")[:24]
    )
    return render(
        request,
        "oversight/monthly_report.html",
        {"form": form, "stored": stored, "report": report, "place": report.township if report else None},
    )


def _report_place(request, township: int, year: int, month: int) -> tuple[Region, date]:
    """The region and month of a report URL; a region outside the supervisor's or a month not yet
    begun is a 404."""
    staff = _supervisor_or_404(request)
    root = staff.agency.region
    place = Region.objects.filter(
        pk=township, level__in=[Region.Level.COUNTY, Region.Level.TOWNSHIP], path__startswith=root.path
    ).first()
    try:
        first = date(year, month, 1)
    except (ValueError, OverflowError):  # a month like 99999999999999999999 overflows C's int
        raise Http404 from None
    if place is None or first > timezone.localdate():
        raise Http404
    return place, first


@replica_reads
def monthly_report_status(request, township: int, year: int, month: int):
    """The status of a report being made, as the fragment the page swaps in while it polls."""
    place, first = _report_place(request, township, year, month)
    report = MonthlyReport.objects.filter(township=place, month=first).first()
    if report is None:
        raise Http404
    return render(request, "oversight/_monthly_report_status.html", {"report": report, "place": place})


@replica_reads
def monthly_report_pdf(request, township: int, year: int, month: int):
    """A township outside the supervisor's region is a 404, as is a month not yet begun."""
    place, first = _report_place(request, township, year, month)
    report = MonthlyReport.objects.filter(township=place, month=first).first()
    if report is not None and report_current(report, timezone.localdate()):
        with report.file.open("rb") as handle:
            pdf = handle.read()
        person_ids = report.person_ids
    else:
        context = report_context(request.user, place, first)
        pdf = render_pdf(context)
        person_ids = sorted({row["person_id"] for row in context["listed"]})
    # The report names the longest-overdue persons: each download is a read of theirs.
    access_log_write(
        request=request,
        person_ids=person_ids,
        action=AccessLog.Action.EXPORT,
        record_types=["monthly_report"],
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="monthly-{place.code}-{first:%Y-%m}.pdf"'
    return response
