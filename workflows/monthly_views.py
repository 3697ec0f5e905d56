"""The monthly report page (in progress)."""

from django.http import Http404


def monthly_report_page(request):
    raise Http404


def monthly_report_pdf(request, township: int, year: int, month: int):
    raise Http404
