"""Drug tests and talks: lists by the caller's record types, and records made against a named duty
through the pages' forms and services (same rules, same events, same locks).

Idempotent: with an Idempotency-Key, the second request saves nothing and answers the record
the first one saved; without one, the named duty, fulfilled by the first, refuses the second.
"""

from django.http import Http404
from django.urls import resolve, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from api.errors import Conflict
from api.schema import errors
from api.serializers import (
    DrugTestCreateSerializer,
    DrugTestSerializer,
    TalkCreateSerializer,
    TalkSerializer,
)
from api.views.common import CURSOR_PARAMETERS, IDEMPOTENCY_KEY, cursor, form_check, idempotency_key, logged
from casework.models import Agency, DrugTest, Episode, Talk
from obligations.services import talk_record
from permissions import selectors
from permissions.gate import person_gate
from permissions.models import AccessLog, RecordType
from workflows.branches.records import drug_test_record
from workflows.forms.records import DrugTestForm, TalkForm
from workflows.submissions import AlreadyRecorded, submitted_once

RECORDS = ["检测与谈话 tests and talks"]
OPEN_EPISODE = [Episode.Status.ACTIVE, Episode.Status.OUT_OF_COUNTY]


class _Records:
    """One record type: who may record it, its model, form, service and detail route."""

    def __init__(self, record_type, model, form, save, route, recorders, related=()):
        self.record_type, self.model, self.form, self.save = record_type, model, form, save
        self.route, self.recorders, self.related = route, recorders, related

    def visible(self, user):
        persons = selectors.visible_persons(user, self.record_type).values("pk")
        return self.model.objects.filter(person__in=persons).select_related(*self.related)


DRUG_TESTS = _Records(
    RecordType.DRUGTEST,
    DrugTest,
    DrugTestForm,
    drug_test_record,
    "api:drug-test-detail",
    (Agency.Kind.WORK_STATION, Agency.Kind.POLICE),
)
TALKS = _Records(
    RecordType.TALK, Talk, TalkForm, talk_record, "api:talk-detail", (Agency.Kind.WORK_STATION,), ("staff",)
)


def _record_create(view, request, pk, records: _Records, output):
    """Save one record as the record page does; answer 201, or 200 with the first save's record."""
    staff = selectors.staff_for(request.user)
    if staff is None or staff.agency.kind not in records.recorders:
        raise Http404
    person = person_gate(request.user, pk, read=records.record_type).person
    key = idempotency_key(request)
    incoming = view.get_serializer(data=request.data)
    incoming.is_valid(raise_exception=True)
    data = dict(incoming.validated_data)
    fields = dict(
        form_check(records.form(data, **({"person": person} if records.form is DrugTestForm else {})))
    )
    obligation_id = fields.pop("obligation")
    episode = (
        person.episodes.select_related("person", "township")
        .filter(status__in=OPEN_EPISODE)
        .order_by("-decision_date", "-id")
        .first()
    )
    if episode is None:
        raise Conflict(_("该人员当前没有执行中的社区戒毒（康复）。"))
    try:
        record = submitted_once(
            key=key,
            user=request.user,
            save=lambda: records.save(
                actor=request.user, episode=episode, obligation_id=obligation_id, **fields
            ),
            record_url=lambda saved: reverse(records.route, args=[saved.pk]),
        )
    except AlreadyRecorded as repeat:
        if repeat.submission.user_id != request.user.pk or not repeat.submission.record_url:
            raise Conflict(_("该幂等键已被使用。")) from None
        first = records.visible(request.user).get(pk=resolve(repeat.submission.record_url).kwargs["pk"])
        return Response(output(first).data, status=status.HTTP_200_OK)
    return Response(output(record).data, status=status.HTTP_201_CREATED)


class _PersonRecords(generics.ListCreateAPIView):
    records: _Records
    pagination_class = cursor("-id")

    def get_serializer_class(self):
        return self.create_serializer if self.request.method == "POST" else self.serializer_class

    def get_queryset(self):
        gate = person_gate(self.request.user, self.kwargs["pk"], read=self.records.record_type)
        self.person = gate.person
        return self.records.model.objects.filter(person=gate.person).select_related(*self.records.related)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        logged(request, [self.person.pk], AccessLog.Action.DETAIL, [self.records.record_type])
        return self.get_paginated_response(self.serializer_class(page, many=True).data)

    def create(self, request, *args, **kwargs):
        return _record_create(self, request, kwargs["pk"], self.records, self.serializer_class)


class _AllRecords(generics.ListAPIView):
    records: _Records
    pagination_class = cursor("-id")

    def get_queryset(self):
        return self.records.visible(self.request.user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        logged(request, [r.person_id for r in page], AccessLog.Action.LIST, [self.records.record_type])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class _OneRecord(generics.GenericAPIView):
    records: _Records

    def get(self, request, pk):
        record = self.records.visible(request.user).filter(pk=pk).first()
        if record is None:
            raise Http404
        logged(request, [record.person_id], AccessLog.Action.DETAIL, [self.records.record_type])
        return Response(self.get_serializer(record).data)


CREATE_DOC = (
    "针对一项应办事项登记（obligation 为必填）；规则与登记页面相同。该事项已办结时 409。\n\n"
    "Recorded against a named duty (`obligation` required), by the record page's rules. "
    "409 when the duty is already fulfilled."
)


@extend_schema(tags=RECORDS)
class PersonDrugTests(_PersonRecords):
    records = DRUG_TESTS
    serializer_class = DrugTestSerializer
    create_serializer = DrugTestCreateSerializer

    @extend_schema(
        summary="某人的吸毒检测 / a person's drug tests",
        parameters=CURSOR_PARAMETERS,
        responses={200: DrugTestSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="登记吸毒检测 / record a drug test",
        description=CREATE_DOC,
        parameters=[IDEMPOTENCY_KEY],
        request=DrugTestCreateSerializer,
        responses={201: DrugTestSerializer, 200: DrugTestSerializer, **errors(400, 403, 404, 409, 413, 415)},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


@extend_schema(tags=RECORDS)
class PersonTalks(_PersonRecords):
    records = TALKS
    serializer_class = TalkSerializer
    create_serializer = TalkCreateSerializer

    @extend_schema(
        summary="某人的谈话走访 / a person's talks",
        parameters=CURSOR_PARAMETERS,
        responses={200: TalkSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="登记谈话走访 / record a talk or home visit",
        description=CREATE_DOC,
        parameters=[IDEMPOTENCY_KEY],
        request=TalkCreateSerializer,
        responses={201: TalkSerializer, 200: TalkSerializer, **errors(400, 403, 404, 409, 413, 415)},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


@extend_schema(
    tags=RECORDS,
    summary="可见的吸毒检测 / drug tests I may read",
    parameters=CURSOR_PARAMETERS,
    responses={200: DrugTestSerializer(many=True), **errors(400, 404)},
)
class DrugTestList(_AllRecords):
    records = DRUG_TESTS
    serializer_class = DrugTestSerializer


@extend_schema(
    tags=RECORDS,
    summary="可见的谈话走访 / talks I may read",
    parameters=CURSOR_PARAMETERS,
    responses={200: TalkSerializer(many=True), **errors(400, 404)},
)
class TalkList(_AllRecords):
    records = TALKS
    serializer_class = TalkSerializer


@extend_schema(
    tags=RECORDS, summary="一次吸毒检测 / one drug test", responses={200: DrugTestSerializer, **errors(404)}
)
class DrugTestDetail(_OneRecord):
    records = DRUG_TESTS
    serializer_class = DrugTestSerializer


@extend_schema(
    tags=RECORDS, summary="一次谈话走访 / one talk", responses={200: TalkSerializer, **errors(404)}
)
class TalkDetail(_OneRecord):
    records = TALKS
    serializer_class = TalkSerializer
