"""Referrals to 人社 and 民政 (禁毒法 art 34; 戒毒条例 arts 18, 39): the agency's list, one referral,
accepting or declining it and recording what it brought, through the referral services."""

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from api.errors import Conflict
from api.schema import errors
from api.serializers import (
    OutcomeCreateSerializer,
    ReferralDecisionSerializer,
    ReferralDetailSerializer,
    ReferralSerializer,
)
from api.views.common import CURSOR_PARAMETERS, IDEMPOTENCY_KEY, cursor, form_check, idempotency_key, logged
from casework.models import Referral
from permissions.models import AccessLog
from workflows.branches import referrals as services
from workflows.forms.referrals import OutcomeForm, ReferralDecideForm
from workflows.submissions import AlreadyRecorded, submitted_once

REFERRALS = ["转介 referrals"]


def _detail(request, referral) -> dict:
    referral = services.referral_get(request.user, referral.pk)
    context = {"show_employer": services.employer_visible(request.user)}
    return ReferralDetailSerializer(referral, context=context).data


def _mine(request, pk) -> Referral:
    referral = services.referral_get(request.user, pk)
    if not services.referral_is_mine(request.user, referral):
        raise Http404
    return referral


def _once(request, referral, save):
    """Run save() once per Idempotency-Key; True when this request saved, False for a repeat."""
    try:
        submitted_once(
            key=idempotency_key(request),
            user=request.user,
            save=save,
            record_url=lambda _saved: reverse("api:referral-detail", args=[referral.pk]),
        )
    except AlreadyRecorded as repeat:
        if repeat.submission.user_id != request.user.pk:
            raise Conflict(_("该幂等键已被使用。")) from None
        return False
    return True


@extend_schema(
    tags=REFERRALS,
    summary="转介给本单位的事项 / referrals to my agency",
    description="人社所、民政办可用；其他单位为空列表。/ For 人社 and 民政 offices; empty for others.",
    parameters=[
        OpenApiParameter(
            "status", OpenApiTypes.STR, enum=Referral.Status.values, description="状态 / status"
        ),
        *CURSOR_PARAMETERS,
    ],
    responses={200: ReferralSerializer(many=True), **errors(400, 404)},
)
class ReferralList(generics.ListAPIView):
    serializer_class = ReferralSerializer
    pagination_class = cursor("-id")

    def get_queryset(self):
        rows = services.referrals_for_agency(self.request.user)
        wanted = self.request.query_params.get("status")
        if wanted is not None:
            if wanted not in Referral.Status.values:
                raise serializers.ValidationError({"status": [_("请选择有效的状态。")]})
            rows = rows.filter(status=wanted)
        return rows

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        for kind in {r.kind for r in page}:
            logged(
                request,
                [r.person_id for r in page if r.kind == kind],
                AccessLog.Action.LIST,
                [services.RECORD_TYPE[kind]],
            )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def _log_detail(request, referral):
    logged(request, [referral.person_id], AccessLog.Action.DETAIL, [services.RECORD_TYPE[referral.kind]])


@extend_schema(
    tags=REFERRALS,
    summary="一项转介及其结果 / one referral with its outcomes",
    responses={200: ReferralDetailSerializer, **errors(404)},
)
class ReferralDetail(generics.GenericAPIView):
    serializer_class = ReferralDetailSerializer

    def get(self, request, pk):
        referral = services.referral_get(request.user, pk)
        _log_detail(request, referral)
        return Response(_detail(request, referral))


@extend_schema(
    tags=REFERRALS,
    summary="受理或不予受理 / accept or decline",
    description="仅被转介的单位；不予受理须填写理由。/ The target agency only; declining needs a reason.",
    parameters=[IDEMPOTENCY_KEY],
    request=ReferralDecisionSerializer,
    responses={200: ReferralDetailSerializer, **errors(400, 404, 409, 413, 415)},
)
class ReferralDecision(generics.GenericAPIView):
    serializer_class = ReferralDecisionSerializer

    def post(self, request, pk):
        referral = _mine(request, pk)
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = form_check(ReferralDecideForm(incoming.validated_data))

        def save():
            if data["decision"] == "accept":
                return services.referral_accept(actor=request.user, referral=referral, on=data["on"])
            return services.referral_decline(
                actor=request.user, referral=referral, on=data["on"], reason=data["reason"]
            )

        _once(request, referral, save)
        _log_detail(request, referral)
        return Response(_detail(request, referral))


@extend_schema(
    tags=REFERRALS,
    summary="登记转介结果 / record an outcome",
    description="已受理的转介；规则与登记页面相同。/ On an accepted referral, by the page's rules.",
    parameters=[IDEMPOTENCY_KEY],
    request=OutcomeCreateSerializer,
    responses={
        201: ReferralDetailSerializer,
        200: ReferralDetailSerializer,
        **errors(400, 404, 409, 413, 415),
    },
)
class ReferralOutcomes(generics.GenericAPIView):
    serializer_class = OutcomeCreateSerializer

    def post(self, request, pk):
        referral = _mine(request, pk)
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(form_check(OutcomeForm(incoming.validated_data, referral=referral)))
        kind, on_date = data.pop("kind"), data.pop("on_date")
        data = {k: ("" if v is None and k not in ("hours", "amount") else v) for k, v in data.items()}
        saved = _once(
            request,
            referral,
            lambda: services.outcome_record(
                actor=request.user, referral=referral, kind=kind, on_date=on_date, **data
            ),
        )
        _log_detail(request, referral)
        return Response(
            _detail(request, referral), status=status.HTTP_201_CREATED if saved else status.HTTP_200_OK
        )
