"""Persons: the list (the person list page's search), the file, and the full numbers with a reason."""

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
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
    TransferRequestSerializer,
)
from api.views.common import CURSOR_PARAMETERS, cursor, form_check, logged, query_form
from casework.forms import ID_ERRORS, PersonSearchForm, RevealForm
from casework.idnumber import InvalidIdNumber, looks_like_id_number, parse_id_number
from casework.models import Episode, Person, Transfer
from casework.search_keys import id_number_key
from casework.selectors import persons_search, search_communities, with_current_episode
from casework.templatetags.casework_tags import staff_name
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
        OpenApiParameter(
            "q",
            OpenApiTypes.STR,
            description=(
                "姓名、拼音首字母或证件号后四位；完整的公民身份号码得到 303，转到其密钥散列 `idk`，"
                "号码不留在地址和访问日志里。\n\n"
                "Name, pinyin initials or the last 4 of the ID; a whole ID number answers 303 to its "
                "keyed hash `idk`, so the number stays out of addresses and the access log."
            ),
        ),
        OpenApiParameter(
            "idk",
            OpenApiTypes.STR,
            description="完整证件号的密钥散列（由 303 给出）/ keyed hash of a whole ID (given by the 303)",
        ),
        OpenApiParameter("status", OpenApiTypes.STR, enum=Episode.Status.values, description="状态 / status"),
        OpenApiParameter("kind", OpenApiTypes.STR, enum=Episode.Kind.values, description="类别 / kind"),
        OpenApiParameter("region", OpenApiTypes.INT, description="社区 id / community id"),
        *CURSOR_PARAMETERS,
    ],
    responses={
        200: PersonListSerializer(many=True),
        303: OpenApiResponse(description="完整证件号：转到 `idk` / a whole ID number: see `idk`"),
        **errors(400, 404),
    },
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
        return persons_search(persons, id_key=self.request.query_params.get("idk", "").strip(), **fields)

    def list(self, request, *args, **kwargs):
        typed = request.query_params.get("q", "")
        if looks_like_id_number(typed):
            # As the list page does: the number itself is answered with its keyed hash, never searched
            # for in the address that the access log and any proxy keep.
            try:
                key = id_number_key(parse_id_number(typed).value)
            except InvalidIdNumber as exc:
                raise serializers.ValidationError({"q": [str(ID_ERRORS[str(exc)])]}) from None
            query = request.query_params.copy()
            query.pop("q")
            query.pop("cursor", None)
            query["idk"] = key
            return Response(status=303, headers={"Location": f"{request.path}?{query.urlencode()}"})
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
    description=(
        "身份证号和电话脱敏。变更执行地的接收地工作站在接收前得到 303，转到变更申请。\n\n"
        "ID number and phone masked. The new place of a pending transfer gets 303 to the request "
        "until it accepts."
    ),
    responses={
        200: PersonDetailSerializer,
        303: OpenApiResponse(description="转到变更申请 / see the transfer request"),
        **errors(404),
    },
)
class PersonDetail(generics.GenericAPIView):
    serializer_class = PersonDetailSerializer

    def get(self, request, pk):
        gate = person_gate(request.user, pk, file=False)
        if gate.transfer_request_only:
            location = reverse("api:person-transfer-request", args=[pk])
            return Response(status=303, headers={"Location": location})
        logged(request, [gate.person.pk], AccessLog.Action.DETAIL, [RecordType.IDENTITY])
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


@extend_schema(
    tags=PERSONS,
    summary="变更执行地申请 / the pending transfer request",
    description=(
        "接收地工作站在接收前只能读到本申请（《戒毒条例》第二十二条）；原执行地工作站也可读。"
        "接收或拒绝是“我的待办”里的步骤（`task`）。\n\n"
        "Before it accepts, the new place of a transfer reads only this request (Regulation on Drug "
        "Rehabilitation art 22); the sending station may read it too. Accepting or declining is the "
        "step `task` in my tasks."
    ),
    responses={200: TransferRequestSerializer, **errors(404)},
)
class PersonTransferRequest(generics.GenericAPIView):
    serializer_class = TransferRequestSerializer

    def get(self, request, pk):
        gate = person_gate(request.user, pk, file=False)
        if not (gate.transfer_request_only or "act_work_station" in gate.actions):
            raise Http404
        transfer = (
            Transfer.objects.select_related("episode", "from_township", "to_township", "requested_by")
            .filter(person=gate.person, status=Transfer.Status.REQUESTED)
            .order_by("-id")
            .first()
        )
        if transfer is None:
            raise Http404
        logged(request, [gate.person.pk], AccessLog.Action.DETAIL, ["transfer_request"])
        task = (
            selectors.actionable_tasks(request.user)
            .filter(process__artifact_object_id=transfer.episode_id)
            .values_list("pk", flat=True)
            .first()
        )
        person, episode = gate.person, transfer.episode
        return Response(
            self.get_serializer(
                {
                    "person": {
                        "id": person.pk,
                        "name": person.name,
                        "sex": person.sex,
                        "id_number_masked": person.id_number_masked,
                    },
                    "episode": {
                        "kind": episode.kind,
                        "decision_number": episode.decision_number,
                        "issuing_authority": episode.issuing_authority,
                        "decision_date": episode.decision_date,
                        "term_months": episode.term_months,
                        "start_date": episode.start_date,
                        "expected_end_date": episode.expected_end_date,
                    },
                    "id": transfer.pk,
                    "from_township": transfer.from_township,
                    "to_township": transfer.to_township,
                    "reason": transfer.reason,
                    "requested_on": transfer.requested_on,
                    "requested_by": staff_name(transfer.requested_by),
                    "task": task,
                }
            ).data
        )
