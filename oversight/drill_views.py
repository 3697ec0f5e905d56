"""The persons behind a figure of the rates page (`oversight.drilldown`), for supervisors."""

from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import render

from config.db_routers import replica_reads
from oversight.drilldown import PERSON, UNITS, figure_label, figure_persons
from oversight.views import _period, _supervisor_or_404

PAGE_SIZE = 50


@replica_reads
def rates_persons(request):
    """?figure=<numerator or denominator>&region=&start=&end= — the persons the figure counts,
    as the rates page's period form chose them; without a figure, the persons under management.
    An unknown figure is a 404."""
    staff = _supervisor_or_404(request)
    figure = request.GET.get("figure", "managed")
    if figure not in UNITS:
        raise Http404
    form, region, start, end = _period(request, staff.agency.region)
    persons = figure_persons(request.user, region, figure, start, end)
    total = persons.aggregate(n=Sum("counted"))["n"] or 0
    page = Paginator(persons.order_by("region__path", "name", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    back = request.GET.copy()
    for key in ("page", "figure"):
        back.pop(key, None)
    return render(
        request,
        "oversight/rates_persons.html",
        {
            "form": form,
            "region": region,
            "start": start,
            "end": end,
            "figure": figure,
            "label": figure_label(figure),
            "unit": UNITS[figure],
            "counts_people": UNITS[figure] is PERSON,
            "total": total,
            "page": page,
            "query": query.urlencode(),
            "back_query": back.urlencode(),
        },
    )
