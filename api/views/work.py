"""My work: the flow steps I hold or may claim (claim and release), and the duties coming due."""

from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from viewflow.workflow.exceptions import FlowLockFailed

from api.errors import Conflict
from api.schema import errors
from api.serializers import MyDutySerializer, TaskSerializer
from api.views.common import CURSOR_PARAMETERS, cursor, logged
from casework.models import Episode, Obligation, TeamMember
from permissions import selectors
from permissions.models import AccessLog
from workflows import engine
from workflows.registry import task_title

WORK = ["我的待办 my work"]
# Duties open from today up to this many days ahead, as on the my-tasks page.
HORIZON_DAYS = 14


def _task_rows(user, tasks) -> list[dict]:
    """The tasks with their person (two queries for any number of tasks)."""
    episodes = dict(
        Episode.objects.filter(pk__in={t.process.artifact_object_id for t in tasks}).values_list(
            "pk", "person_id"
        )
    )
    names = dict(
        selectors.visible_persons(user).filter(pk__in=set(episodes.values())).values_list("pk", "name")
    )
    rows = []
    for t in tasks:
        person_id = episodes.get(int(t.process.artifact_object_id))
        rows.append(
            {
                "id": t.pk,
                "title": task_title(t),
                "flow_task": t.flow_task.name,
                "status": t.status,
                "mine": t.owner_id == user.pk,
                "person": person_id if person_id in names else None,
                "person_name": names.get(person_id, ""),
                "episode": int(t.process.artifact_object_id),
                "created": t.created,
            }
        )
    return rows


@extend_schema(
    tags=WORK,
    summary="我的流程待办 / my flow steps",
    description="我认领的和本单位可认领的步骤。/ Steps I hold and steps my agency may claim.",
    parameters=CURSOR_PARAMETERS,
    responses={200: TaskSerializer(many=True), **errors(400, 404)},
)
class MyTasks(generics.ListAPIView):
    serializer_class = TaskSerializer
    pagination_class = cursor("created", "id")

    def get_queryset(self):
        return selectors.actionable_tasks(self.request.user).select_related("process")

    def list(self, request, *args, **kwargs):
        rows = _task_rows(request.user, self.paginate_queryset(self.get_queryset()))
        logged(request, [r["person"] for r in rows if r["person"]], AccessLog.Action.LIST, ["task"])
        return self.get_paginated_response(TaskSerializer(rows, many=True).data)


class _TaskAct(generics.GenericAPIView):
    serializer_class = TaskSerializer

    def post(self, request, pk):
        task = selectors.task_get(request.user, pk)
        try:
            self.act(actor=request.user, task=task)
        except FlowLockFailed:
            raise Conflict(_("该步骤正由他人办理，请稍后刷新再试。")) from None
        task.refresh_from_db()
        return Response(TaskSerializer(_task_rows(request.user, [task])[0]).data)


@extend_schema(
    tags=WORK,
    summary="认领 / claim a step",
    request=None,
    responses={200: TaskSerializer, **errors(404, 409)},
)
class TaskClaim(_TaskAct):
    act = staticmethod(engine.task_claim)


@extend_schema(
    tags=WORK,
    summary="退回单位待办 / release a step",
    request=None,
    responses={200: TaskSerializer, **errors(404, 409)},
)
class TaskRelease(_TaskAct):
    act = staticmethod(engine.task_release)


@extend_schema(
    tags=WORK,
    summary="我的应办事项 / my duties",
    description=(
        "14 日内可办理的未办事项（含逾期），mine 表示我在其帮教小组。\n\n"
        "Open duties that may be done within 14 days (overdue included); `mine`: I am on the help team."
    ),
    parameters=CURSOR_PARAMETERS,
    responses={200: MyDutySerializer(many=True), **errors(400, 404)},
)
class MyDuties(generics.ListAPIView):
    serializer_class = MyDutySerializer
    pagination_class = cursor("due_by", "id")

    def get_queryset(self):
        today = timezone.localdate()
        on_my_team = TeamMember.objects.filter(episode=OuterRef("episode"), user=self.request.user).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today)
        )
        # Started from the persons the caller may see (a superset of what the record-type rules
        # let through, checked per row): otherwise PostgreSQL walks every open duty of the country.
        return (
            selectors.visible_obligations(self.request.user, per_row=True)
            .filter(person__in=selectors.visible_persons(self.request.user).values("pk"))
            .filter(status__in=Obligation.OPEN_STATUSES, due_from__lte=today + timedelta(days=HORIZON_DAYS))
            .annotate(mine=Exists(on_my_team))
            .select_related("person")
        )

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        logged(request, [o.person_id for o in page], AccessLog.Action.LIST, ["obligation"])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
