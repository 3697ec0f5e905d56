"""For supervisors (禁毒办): the rates and the overdue audit of their region, as JSON, from the
same reads as the supervisors' pages. Anyone else gets 404, as on the pages."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response

from api.schema import errors
from api.serializers import OverdueRowSerializer, RateSheetSerializer
from api.views.common import Pages, logged, query_form
from casework.models import Agency
from oversight.audit import KINDS, PARTIES, overdue_rows, with_days
from oversight.rates import rates_for
from oversight.views import AuditForm, PeriodForm
from permissions import selectors
from permissions.models import AccessLog

OVERSIGHT = ["督导 oversight"]


def _supervisor(request):
    staff = selectors.staff_for(request.user)
    if staff is None or staff.agency.kind != Agency.Kind.DRUG_CONTROL:
        raise Http404
    return staff


def _params(request, form_class) -> dict:
    return {k: v for k, v in request.query_params.items() if k in form_class.base_fields}


@extend_schema(
    tags=OVERSIGHT,
    summary="工作指标 / rates",
    description=(
        "本区域（或其下一级区域）期间内的各项比率；默认本年 1 月 1 日至今日，有夜间汇总时取汇总，live=1 实时计算。\n\n"
        "The rates of the region (or one inside it) for the period; default 1 January to today; the "
        "nightly figures when they exist, computed now with live=1."
    ),
    parameters=[
        OpenApiParameter("region", OpenApiTypes.INT, description="区域 id / region id"),
        OpenApiParameter("start", OpenApiTypes.DATE, description="起始日期 / start"),
        OpenApiParameter("end", OpenApiTypes.DATE, description="截止日期 / end"),
        OpenApiParameter("live", OpenApiTypes.STR, enum=["0", "1"], description="实时计算 / compute now"),
    ],
    responses={200: RateSheetSerializer, **errors(400, 404)},
)
class Rates(generics.GenericAPIView):
    serializer_class = RateSheetSerializer

    def get(self, request):
        staff = _supervisor(request)
        root = staff.agency.region
        today = timezone.localdate()
        params = {"start": today.replace(month=1, day=1).isoformat(), "end": today.isoformat()}
        params.update(_params(request, PeriodForm))
        data = query_form(PeriodForm(params, root=root))
        region = data.get("region") or root
        sheet = rates_for(
            request.user, region, data["start"], data["end"], live=request.query_params.get("live") == "1"
        )
        return Response(
            RateSheetSerializer(
                {
                    "region": region,
                    "start": sheet.start,
                    "end": sheet.end,
                    "rates": [
                        {
                            "key": r.key,
                            "label": str(r.label),
                            "numerator": r.numerator,
                            "denominator": r.denominator,
                            "value": r.value,
                            "definition": str(r.definition),
                        }
                        for r in sheet.rates
                    ],
                    "three_years_clean": sheet.three_years_clean,
                    "timeliness": sheet.timeliness,
                    "computed_at": sheet.computed_at,
                }
            ).data
        )


@extend_schema(
    tags=OVERSIGHT,
    summary="逾期督查 / overdue audit",
    description=(
        "本区域的逾期事项，最早到期的在前；每页的人员各写一条访问日志（导出）。\n\n"
        "The overdue items of the region, oldest first; each person on the page is logged (export)."
    ),
    parameters=[
        OpenApiParameter("region", OpenApiTypes.INT, description="区域 id / region id"),
        OpenApiParameter("kind", OpenApiTypes.STR, enum=list(KINDS), description="事项 / kind"),
        OpenApiParameter("party", OpenApiTypes.STR, enum=list(PARTIES), description="负责方 / party"),
        OpenApiParameter("staff", OpenApiTypes.STR, description="负责人用户名 / worker's username"),
        OpenApiParameter("min_days", OpenApiTypes.INT, description="逾期天数不少于 / at least days late"),
        OpenApiParameter("page", OpenApiTypes.INT, description="页码 / page number"),
    ],
    responses={200: OverdueRowSerializer(many=True), **errors(400, 404)},
)
class Overdue(generics.ListAPIView):
    serializer_class = OverdueRowSerializer
    pagination_class = Pages

    def get_queryset(self):
        staff = _supervisor(self.request)
        form = AuditForm(_params(self.request, AuditForm) or None, root=staff.agency.region)
        query_form(form)
        return overdue_rows(self.request.user, timezone.localdate(), form.filters())

    def list(self, request, *args, **kwargs):
        rows = with_days(self.paginate_queryset(self.get_queryset()), timezone.localdate())
        logged(request, [r["person_id"] for r in rows], AccessLog.Action.EXPORT, ["overdue"])
        for row in rows:
            row["kind_label"], row["party_label"] = str(row["kind_label"]), str(row["party_label"])
        return self.get_paginated_response(OverdueRowSerializer(rows, many=True).data)
