"""Persons: the list (the person list page's search), the file, and the full numbers with a reason."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response

from api.schema import errors
from api.serializers import (
    EpisodeSerializer,
    ObligationSerializer,
    PersonDetailSerializer,
    PersonListSerializer,
    RevealedSerializer,
    RevealSerializer,
    TeamMemberSerializer,
)
from api.views.common import CURSOR_PARAMETERS, cursor, form_check, logged, query_form
from casework.forms import PersonSearchForm, RevealForm
from casework.models import Episode, Person
from casework.selectors import persons_search, search_communities, with_current_episode
from permissions import selectors
from permissions.gate import person_gate
from permissions.models import AccessLog, RecordType

PERSONS = ["人员 persons"]


@extend_schema(
    tags=PERSONS,
    summary="人员列表 / list persons",
    description=(
        "与人员列表页面相同的人员和筛选；身份证号脱敏。每页的人员各写一条访问日志。\n\n"
        "The persons and filters of the person list page; ID numbers masked. Each person on the page "
        "writes an access-log row."
    ),
    parameters=[
        OpenApiParameter("q", OpenApiTypes.STR, description="姓名或证件号后四位 / name or last 4 of the ID"),
        OpenApiParameter("status", OpenApiTypes.STR, enum=Episode.Status.values, description="状态 / status"),
        OpenApiParameter("kind", OpenApiTypes.STR, enum=Episode.Kind.values, description="类别 / kind"),
        OpenApiParameter("region", OpenApiTypes.INT, description="社区 id / community id"),
        *CURSOR_PARAMETERS,
    ],
    responses={200: PersonListSerializer(many=True), **errors(400, 404)},
)
class PersonList(generics.ListAPIView):
    serializer_class = PersonListSerializer
    pagination_class = cursor("name", "id")

    def get_queryset(self):
        staff = selectors.staff_for(self.request.user)
        if staff is None:
            return Person.objects.none()
        # The list's order is the cursor's: the page's sort field is not an API filter.
        filters = {
            k: v
            for k, v in self.request.query_params.items()
            if k in PersonSearchForm.base_fields and k != "sort"
        }
        form = PersonSearchForm(filters or None, regions=search_communities(staff.agency))
        persons = with_current_episode(selectors.visible_persons(self.request.user)).select_related("region")
        fields = query_form(form)
        fields.pop("sort", None)
        return persons_search(persons, **fields)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        logged(request, [p.pk for p in page], AccessLog.Action.LIST, [RecordType.IDENTITY])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


def _file(request, pk):
    """The gate of a person whose file the caller may open (404 otherwise), its read logged."""
    gate = person_gate(request.user, pk)
    logged(request, [gate.person.pk], AccessLog.Action.DETAIL, [RecordType.IDENTITY])
    return gate


@extend_schema(
    tags=PERSONS,
    summary="人员档案 / a person's file",
    description="身份证号和电话脱敏。/ ID number and phone masked.",
    responses={200: PersonDetailSerializer, **errors(404)},
)
class PersonDetail(generics.GenericAPIView):
    serializer_class = PersonDetailSerializer

    def get(self, request, pk):
        gate = _file(request, pk)
        person = gate.person
        person.record_types = sorted(gate.record_types)
        person.can_reveal = gate.full_identifiers
        return Response(self.get_serializer(person).data)


@extend_schema(
    tags=PERSONS,
    summary="查看完整号码 / reveal full numbers",
    description=(
        "须持有“完整证件号和电话”记录类型并说明理由；本次查看及理由记入访问日志。\n\n"
        "Needs the `identifiers` record type and a reason; the reveal and its reason are logged."
    ),
    request=RevealSerializer,
    responses={200: RevealedSerializer, **errors(400, 403, 404, 413, 415)},
)
class PersonReveal(generics.GenericAPIView):
    serializer_class = RevealSerializer

    def post(self, request, pk):
        person = person_gate(request.user, pk, full_identifiers=True).person
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        reason = form_check(RevealForm(data.validated_data))["reason"]
        logged(request, [person.pk], AccessLog.Action.REVEAL, [RecordType.IDENTIFIERS], reason=reason)
        return Response(
            RevealedSerializer(
                {
                    "id_number": person.id_number,
                    "phone": person.phone,
                    "guarantor_phone": person.guarantor_phone,
                }
            ).data
        )


class _PersonPart(generics.GenericAPIView):
    def get(self, request, pk):
        gate = _file(request, pk)
        return Response(self.get_serializer(self.rows(gate), many=True).data)


@extend_schema(
    tags=PERSONS, summary="执行期 / episodes", responses={200: EpisodeSerializer(many=True), **errors(404)}
)
class PersonEpisodes(_PersonPart):
    serializer_class = EpisodeSerializer

    def rows(self, gate):
        return selectors.person_episodes(gate.person)


@extend_schema(
    tags=PERSONS,
    summary="帮教小组 / help team",
    responses={200: TeamMemberSerializer(many=True), **errors(404)},
)
class PersonTeam(_PersonPart):
    serializer_class = TeamMemberSerializer

    def rows(self, gate):
        return selectors.person_team(gate.person)


@extend_schema(
    tags=PERSONS,
    summary="应办事项 / due items",
    description="调用者可读类型的未办事项。/ Open duties of the kinds the caller may read.",
    responses={200: ObligationSerializer(many=True), **errors(404)},
)
class PersonDue(_PersonPart):
    serializer_class = ObligationSerializer

    def rows(self, gate):
        return (
            selectors.person_obligations(gate.person, gate.record_types)
            .select_related("person")
            .order_by("due_by", "pk")
        )
