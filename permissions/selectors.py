"""The one door for reads: every page gets persons and their records from here.

Deny by default: a user without a staff post sees nothing, superuser or not.
A person outside the user's view answers 404, the same as a missing one.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import lru_cache

from django.contrib.auth.models import AnonymousUser
from django.db import router
from django.db.models import CharField, Exists, Expression, F, OuterRef, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.http import Http404
from django.utils import timezone

from casework.built import built_once
from casework.models import Agency, CaseEvent, Episode, Person, Referral, Staff, TeamMember

from .kinds import EVENT_RECORD_TYPE, FILE, OBLIGATION_RECORD_TYPE, kinds_of_type, kinds_readable
from .models import (
    AccessLog,
    Party,
    PersonGroupObjectPermission,
    PersonUserObjectPermission,
    RecordAccessRule,
    RecordType,
)
from .services import (
    AGENCY_PARTY,
    RECEIVING_TRANSFER,
    VIEW_PERSON,
    codename_for,
    holds_agency_grants,
    matrix,
    person_permission_ids,
    record_type_for,
)

# Figures other apps fold into the one query that loads the staff post on every page (the
# unread-message count of the top bar): each app registers its subquery when it is ready, so
# this module never imports the apps above it.
STAFF_ANNOTATIONS: dict[str, Callable[[], Expression]] = {}


def staff_annotation_register(name: str, subquery: Callable[[], Expression]) -> None:
    STAFF_ANNOTATIONS[name] = subquery


def staff_for(user) -> Staff | None:
    """Return the user's staff post with agency and region (cached on the user object)."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return None
    if not hasattr(user, "_staff_post"):
        # One query for the post and whether the user holds any person grant (team member).
        user._staff_post = (
            Staff.objects.select_related("agency__region")
            .annotate(
                has_person_grants=Exists(_current_user_grants().filter(user=OuterRef("user"))),
                **{name: subquery() for name, subquery in STAFF_ANNOTATIONS.items()},
            )
            .filter(user=user)
            .first()
        )
    return user._staff_post


def supervisor_region_path(user) -> str | None:
    staff = staff_for(user)
    if staff and staff.agency.kind == Agency.Kind.DRUG_CONTROL:
        return staff.agency.region.path
    return None


def _supervisor_types(user) -> set[str]:
    if not hasattr(user, "_supervisor_types"):
        user._supervisor_types = matrix().get(Party.SUPERVISOR, set())
    return user._supervisor_types


def agency_group_id(staff: Staff | None) -> int | None:
    """Return the agency group whose grants this staff member acts on (none for social workers)."""
    if staff is None or not holds_agency_grants(staff.role):
        return None
    return staff.agency.group_id


def _permission_id(codename: str) -> int:
    """Return a Person permission's id (cached per process; reset when the schema is migrated).

    A literal id, not a subquery, lets PostgreSQL plan the grant lookups on the
    (holder, permission, person) indexes.
    """
    return person_permission_ids()[codename]


def _current_user_grants(today=None):
    """Help-team grants that hold today: a membership's end date takes effect on its day, in the
    same query that reads the grant (no re-sync needed)."""
    today = today or timezone.localdate()
    return PersonUserObjectPermission.objects.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))


def _granted_person_ids(user, staff: Staff, codename: str):
    """Return a subquery of person ids granted to the user or their agency group (UNION ALL),
    as SQL compiled once per user, agency group, permission and day in this process: every page
    embeds it in several statements, and compiling the union each time cost more than
    PostgreSQL's work on it. Everything the SQL depends on is in the key (the membership ends
    are compared in the statement, against the day of the key)."""
    alias = router.db_for_read(PersonUserObjectPermission)
    return RawSQL(
        *_granted_sql(alias, user.pk, agency_group_id(staff), _permission_id(codename), timezone.localdate())
    )


@lru_cache(maxsize=8192)
def _granted_sql(alias: str, user_id: int, group_id: int | None, permission_id: int, today) -> tuple:
    ids = _granted_person_ids_query(user_id, group_id, permission_id, today)
    return ids.query.get_compiler(using=alias).as_sql()


def _granted_person_ids_query(user_id: int, group_id: int | None, permission_id: int, today):
    ids = (
        _current_user_grants(today)
        .filter(user_id=user_id, permission_id=permission_id)
        .values("content_object_id")
    )
    if group_id is not None:
        ids = ids.union(
            PersonGroupObjectPermission.objects.filter(group_id=group_id, permission_id=permission_id).values(
                "content_object_id"
            ),
            all=True,
        )
    return ids


def _has_user_grants(user) -> bool:
    return staff_for(user).has_person_grants


def region_only_path(user) -> str | None:
    """The region path of a supervisor who sees persons by region alone (no grants of their own):
    for them `visible_persons` is exactly `region__path__startswith=<path>`, which aggregate
    pages may apply as a join from their own rows instead of a semi-join over every person."""
    path = supervisor_region_path(user)
    if path is None or _has_user_grants(user):
        return None
    return path


def visible_persons(user, record_type: str | None = None) -> QuerySet[Person]:
    """Return the persons the user may see (and, with `record_type`, whose records of that type).

    Grants become `id IN (user grants UNION ALL agency grants)`, which PostgreSQL answers
    from the grant indexes and the primary key without scanning persons. A supervisor's
    region is one indexed path filter; only a supervisor who also holds grants (a team
    member) gets both, OR-ed.
    """
    staff = staff_for(user)
    if staff is None:
        return Person.objects.none()
    codename = VIEW_PERSON if record_type is None else codename_for(record_type)
    region_path = supervisor_region_path(user)
    by_region = region_path is not None and (record_type is None or record_type in _supervisor_types(user))
    if by_region:
        in_region = Q(region__path__startswith=region_path)
        if not _has_user_grants(user):
            return Person.objects.filter(in_region)
        return Person.objects.filter(in_region | Q(pk__in=_granted_person_ids(user, staff, codename)))
    return Person.objects.filter(pk__in=_granted_person_ids(user, staff, codename))


@lru_cache(maxsize=1)
def _person_region_rules() -> tuple[str, ...]:
    """The local rule settings of a person's three regions, left unread with the person: pages
    show the regions' names and the door compares their paths, and a rule is read up the tree
    from the township where a deadline needs it (casework.selectors.region_setting)."""
    from casework.models import Region

    shown = {"id", "path", "depth", "numchild", "name", "code", "level"}
    return tuple(
        f"{relation}__{field.name}"
        for relation in ("region", "residence_region", "household_region")
        for field in Region._meta.concrete_fields
        if field.name not in shown
    )


def person_get(user, person_id, record_type: str | None = None) -> Person:
    """Return the person if the user may see it, else raise Http404."""
    try:
        person_id = int(person_id)
    except (TypeError, ValueError):
        raise Http404 from None
    person = (
        visible_persons(user, record_type)
        .select_related("region", "residence_region", "household_region")
        .defer(*_person_region_rules())
        .filter(pk=person_id)
        .first()
    )
    if person is None:
        raise Http404
    return person


@dataclass(frozen=True)
class PersonAccess:
    """What a user may read (record types) and do (flow-step permissions) about one person."""

    record_types: frozenset[str]
    actions: frozenset[str]
    # The user's work station holds the person only as the new place of a transfer not yet
    # accepted (then record_types and actions are empty).
    receiving_transfer: bool = False


def person_access_for(user, person: Person) -> PersonAccess:
    """Return the user's record types and action permissions on the person (one query)."""
    staff = staff_for(user)
    if staff is None:
        return PersonAccess(frozenset(), frozenset())
    sources = [
        PersonGroupObjectPermission.objects.filter(
            group_id=agency_group_id(staff), content_object=person
        ).values_list("permission__codename", flat=True)
    ]
    region_path = supervisor_region_path(user)
    if region_path is not None and person.region.path.startswith(region_path):
        # A supervisor over the person's region reads what the matrix gives supervisors.
        sources.append(
            RecordAccessRule.objects.filter(party=Party.SUPERVISOR)
            .order_by()
            .annotate(codename=Concat(Value("view_"), "record_type", output_field=CharField()))
            .values_list("codename", flat=True)
        )
    if staff.agency.kind == Agency.Kind.WORK_STATION and agency_group_id(staff) is not None:
        # A station that a pending transfer names as the new place holds the person through
        # that request only: the gate lets it read the request and act on it, nothing else.
        from casework.models import Transfer

        sources.append(
            Transfer.objects.filter(
                person=person, status=Transfer.Status.REQUESTED, to_township_id=staff.agency.region_id
            )
            .order_by()
            .annotate(codename=Value(RECEIVING_TRANSFER, output_field=CharField()))
            .values_list("codename", flat=True)
        )
    codenames = set(
        _current_user_grants()
        .filter(user=user, content_object=person)
        .values_list("permission__codename", flat=True)
        .union(*sources)
    )
    types = {record_type_for(c) for c in codenames if c != RECEIVING_TRANSFER} - {None}
    # Held through a pending transfer only: no record type and no act on the file; the request's
    # own step is matched by `actionable_tasks`.
    receiving = RECEIVING_TRANSFER in codenames and not types
    actions = frozenset() if receiving else frozenset(c for c in codenames if c.startswith("act_"))
    return PersonAccess(frozenset(types), actions, receiving_transfer=receiving)


def record_types_for(user, person: Person) -> set[str]:
    """Return the record types the user may read about this person."""
    return set(person_access_for(user, person).record_types)


def person_episodes(person: Person, episodes: QuerySet[Episode] | None = None) -> QuerySet[Episode]:
    """Episodes of a person already let through the door (of `episodes`, an annotated queryset of
    all episodes, when given)."""
    episodes = person.episodes.all() if episodes is None else episodes.filter(person=person)
    return episodes.select_related("township", "community").order_by("-decision_date", "-id")


def person_team(person: Person) -> QuerySet[TeamMember]:
    return (
        TeamMember.objects.filter(episode__person=person)
        .select_related("role", "user__staff__agency")
        .order_by("-episode__decision_date", "role__order", "start_date")
    )


def person_events(person: Person, record_types=None, limit: int = 50) -> QuerySet[CaseEvent]:
    """The person's timeline, latest day first (the day things happened, then the order they
    were recorded): only the kinds whose record type the reader holds (permissions.kinds; an
    allow-list, so a kind without a record type shows to no one)."""
    events = person.events.select_related("actor").order_by("-happened_on", "-at", "-id")
    if record_types is not None:
        events = events.filter(kind__in=kinds_readable(EVENT_RECORD_TYPE, record_types))
    return events[:limit]


def person_obligations(person: Person, record_types) -> QuerySet:
    """The person's open duties whose kind the reader may see (the to-do table)."""
    from casework.models import Obligation

    return person.obligations.filter(
        status__in=Obligation.OPEN_STATUSES, kind__in=kinds_readable(OBLIGATION_RECORD_TYPE, record_types)
    )


@dataclass(frozen=True)
class AccessRow:
    holder: str
    rule: str
    party: str
    record_types: tuple[str, ...]
    # For a police station: whether it holds the person as the police of the residence or of the
    # household registration (双向管控, rules.md §1.8), so the page can say why it still sees them.
    place: str = ""


def _police_place(person: Person, region_path: str) -> str:
    if person.residence_region.path.startswith(region_path):
        return "residence"
    if person.household_region.path.startswith(region_path):
        return "household"
    return ""


def person_access(person: Person) -> list[AccessRow]:
    """Return who can see this person and through which rule (three queries).

    `person` comes from `person_get`, with its residence and household regions loaded.
    """
    party_matrix = matrix()
    rows: list[AccessRow] = []
    user_grants: dict[int, set[str]] = {}
    names: dict[int, str] = {}
    for user_id, username, full_first, full_last, codename in (
        _current_user_grants()
        .filter(content_object=person)
        .values_list(
            "user_id", "user__username", "user__first_name", "user__last_name", "permission__codename"
        )
    ):
        user_grants.setdefault(user_id, set()).add(codename)
        names[user_id] = f"{full_last}{full_first}" if (full_first or full_last) else username
    for user_id, codenames in sorted(user_grants.items(), key=lambda item: names[item[0]]):
        if VIEW_PERSON in codenames:
            types = tuple(sorted(t for t in map(record_type_for, codenames) if t))
            rows.append(AccessRow(names[user_id], "team", "", types))
    group_grants: dict[str, set[str]] = {}
    agency_kind: dict[str, str] = {}
    agency_path: dict[str, str] = {}
    for agency_name, kind, path, codename in PersonGroupObjectPermission.objects.filter(
        content_object=person
    ).values_list(
        "group__agency__name", "group__agency__kind", "group__agency__region__path", "permission__codename"
    ):
        group_grants.setdefault(agency_name, set()).add(codename)
        agency_kind[agency_name] = kind
        agency_path[agency_name] = path
    for agency_name, codenames in sorted(group_grants.items()):
        if VIEW_PERSON in codenames:
            types = tuple(sorted(t for t in map(record_type_for, codenames) if t))
            kind = agency_kind[agency_name]
            place = _police_place(person, agency_path[agency_name]) if kind == Agency.Kind.POLICE else ""
            rows.append(AccessRow(agency_name, "agency", AGENCY_PARTY[kind], types, place))
    region_path = person.region.path
    prefixes = [region_path[:i] for i in range(len(region_path), 0, -1)]
    for name in (
        Agency.objects.filter(kind=Agency.Kind.DRUG_CONTROL, region__path__in=prefixes)
        .order_by("region__depth")
        .values_list("name", flat=True)
    ):
        rows.append(
            AccessRow(name, "region", Party.SUPERVISOR, tuple(sorted(party_matrix.get(Party.SUPERVISOR, ()))))
        )
    return rows


def access_log_visible(user) -> QuerySet[AccessLog]:
    """Return the access-log rows a supervisor may audit: reads of persons in their region, and
    the API calls that read no person made by staff of agencies in their region."""
    region_path = supervisor_region_path(user)
    if region_path is None:
        return AccessLog.objects.none()
    return AccessLog.objects.filter(
        Q(person__in=Person.objects.filter(region__path__startswith=region_path).values("pk"))
        | Q(
            person__isnull=True,
            user__in=Staff.objects.filter(agency__region__path__startswith=region_path).values("user"),
        )
    ).select_related("user", "person")


# --- Workflow tasks and obligations: scoped like everything else -------------------------


def _episode_content_type_id() -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Episode).pk


def visible_tasks(user):
    """Return the viewflow tasks about episodes of persons the user may see."""
    from viewflow.workflow.models import Task

    episodes = Episode.objects.filter(person__in=visible_persons(user).values("pk")).values("pk")
    return Task.objects.filter(
        process__artifact_content_type_id=_episode_content_type_id(), process__artifact_object_id__in=episodes
    )


def person_tasks(person: Person):
    """Return the tasks about a person already let through the door (`person_get`)."""
    from viewflow.workflow.models import Task

    return Task.objects.filter(
        process__artifact_content_type_id=_episode_content_type_id(),
        process__artifact_object_id__in=Episode.objects.filter(person=person).values("pk"),
    )


TRANSFER_ACCEPT = "workflows/flows.TransferFlow.accept_or_decline"


def actionable_tasks(user):
    """Return open human tasks the user holds or may claim: an agency queue plus their own inbox.

    One SQL statement, driven from the user's side: each way of holding a step (their inbox, each
    agency grant, a pending transfer, a supervisor's region) is its own branch of a UNION ALL of
    task ids, which PostgreSQL answers from the grants, the episodes and the processes of those
    episodes, then the open human steps of those processes (the partial index of open steps),
    never from the tasks of the whole country. The node permission is matched against the
    user's agency group grant on the episode's person (guardian's direct-FK table), not loaded
    into Python.
    """
    from viewflow.workflow.models import Task

    staff = staff_for(user)
    if staff is None:
        return Task.objects.none()
    episode_type = _episode_content_type_id()
    open_tasks = Task.objects.filter(**_OPEN_STEPS, process__artifact_content_type_id=episode_type)
    group_id = agency_group_id(staff)
    if group_id is None:
        return open_tasks.filter(owner=user)
    ids = _actionable_ids_sql(
        router.db_for_read(Task),
        user.pk,
        group_id,
        staff.agency.kind,
        staff.agency.region_id,
        supervisor_region_path(user),
        episode_type,
        tuple(_permission_id(codename) for codename in _ACT_CODENAMES),
    )
    return open_tasks.filter(pk__in=RawSQL(*ids))


# The same literal predicate as the partial index of open human steps (workflows migration
# 0009), so the planner may use it in every branch.
_OPEN_STEPS = {"flow_task_type": "HUMAN", "status__in": ["NEW", "ASSIGNED"]}
_ACT_CODENAMES = ("act_work_station", "act_police")


@lru_cache(maxsize=1024)
def _actionable_ids_sql(
    alias: str,
    user_id: int,
    group_id: int,
    agency_kind: str,
    agency_region_id: int,
    region_path: str | None,
    episode_type: int,
    act_permission_ids: tuple[int, ...],
) -> tuple:
    """The UNION ALL of the task ids a user of an agency holds or may claim, as SQL compiled once
    per process for everything it depends on (all in the key): building and compiling its five
    branches cost more than PostgreSQL's work on it, on every page that shows the queue."""
    from viewflow.workflow.models import Process, Task
    from viewflow.workflow.status import STATUS

    from casework.models import Transfer

    def claimable(owner_permission: str, episodes, **more):
        processes = Process.objects.filter(
            artifact_content_type_id=episode_type, artifact_object_id__in=episodes
        )
        return (
            Task.objects.filter(
                **_OPEN_STEPS,
                status=STATUS.NEW,
                owner__isnull=True,
                owner_permission=owner_permission,
                process_id__in=processes.values("pk"),
            )
            .filter(**more)
            .order_by()
            .values("pk")
        )

    # Task's default ordering would sort each branch: a set of ids needs none.
    branches = [Task.objects.filter(**_OPEN_STEPS, owner_id=user_id).order_by().values("pk")]
    station = agency_kind == Agency.Kind.WORK_STATION
    for codename, permission_id in zip(_ACT_CODENAMES, act_permission_ids, strict=True):
        held = PersonGroupObjectPermission.objects.filter(group_id=group_id, permission_id=permission_id)
        episodes = Episode.objects.filter(person_id__in=held.values("content_object_id"))
        owner_permission = f"casework.{codename}"
        if station and codename == "act_work_station":
            # A station does the steps of the episodes it executes, except accepting its own
            # transfer request; the new place of a pending transfer (戒毒条例 art 22) holds the
            # person for that request only, and may accept or decline it, nothing else.
            own = episodes.filter(township_id=agency_region_id).values("pk")
            branches.append(claimable(owner_permission, own).exclude(flow_task=TRANSFER_ACCEPT))
            receiving = Transfer.objects.filter(
                status=Transfer.Status.REQUESTED, to_township_id=agency_region_id
            ).values("episode_id")
            branches.append(claimable(owner_permission, receiving, flow_task=TRANSFER_ACCEPT))
        else:
            branches.append(claimable(owner_permission, episodes.values("pk")))
    # --- Supervisors (detox certification): they hold no grants, so the steps for the
    # 禁毒办 (owner_permission = workflows.flows.SUPERVISOR, a marker checked by the node itself)
    # are matched by region: episodes whose township lies under the supervisor's region. One more
    # branch in the same statement, only for supervisors.
    if region_path is not None:
        in_region = Episode.objects.filter(township__path__startswith=region_path).values("pk")
        branches.append(claimable("casework.supervise_region", in_region))
    first, *rest = branches
    return first.union(*rest, all=True).query.get_compiler(using=alias).as_sql()


def task_actionable(user, task) -> bool:
    """Return whether the user may do this open step now: it is theirs, or theirs to claim."""
    if task.owner_id is not None:
        return task.owner_id == user.pk
    return actionable_tasks(user).filter(pk=task.pk).exists()


def task_get(user, task_id):
    """Return a task about a person the user may see, else raise Http404."""
    task = visible_tasks(user).select_related("process").filter(pk=task_id).first()
    if task is None:
        raise Http404
    return task


def visible_obligations(user, *, per_row: bool = False):
    """Return the obligations of persons the user may see, each kind only to readers of its
    record type (permissions.kinds): one statement, one semi-join per record type.

    `per_row=True` asks the same of each row (a correlated EXISTS per record type) instead: for
    a query that another condition narrows to a few rows (the user's own team, a township),
    which PostgreSQL then starts from. With semi-joins it charges their hashed subplans to
    every loop of such a start and walks every open obligation of the country instead.
    """
    from casework.models import Obligation

    if staff_for(user) is None:
        return Obligation.objects.none()
    return _visible_obligations_built(_door_key(user), user, per_row)


def _door_key(user) -> tuple:
    """Everything `visible_persons(user, record_type)` depends on, for any record type: the
    database, the user, their agency group, a supervisor's region (with whether they also hold
    grants) and the matrix's record types for supervisors, the permission ids, and the day (a
    membership's end). A queryset built from the door alone may be kept under this key."""
    staff = staff_for(user)
    region_path = supervisor_region_path(user)
    by_region = region_path is not None
    return (
        router.db_for_read(PersonUserObjectPermission),
        user.pk,
        agency_group_id(staff),
        region_path,
        by_region and _has_user_grants(user),
        frozenset(_supervisor_types(user)) if by_region else frozenset(),
        tuple(sorted(person_permission_ids().items())),
        timezone.localdate(),
    )


# The record types of obligations other than the file's, in a fixed order.
_OBLIGATION_TYPES = tuple(sorted(set(OBLIGATION_RECORD_TYPE.values()) - {FILE}))


@built_once(maxsize=256)
def _visible_obligations_built(door_key: tuple, user, per_row: bool):
    from casework.models import Obligation

    def person_readable(record_type=None):
        persons = visible_persons(user) if record_type is None else visible_persons(user, record_type)
        if per_row:
            return Q(Exists(persons.filter(pk=OuterRef("person_id"))))
        return Q(person__in=persons.values("pk"))

    readable = Q(kind__in=kinds_of_type(OBLIGATION_RECORD_TYPE, FILE)) & person_readable()
    for record_type in _OBLIGATION_TYPES:
        readable |= Q(kind__in=kinds_of_type(OBLIGATION_RECORD_TYPE, record_type)) & person_readable(
            record_type
        )
    return Obligation.objects.filter(readable)


def _kinds_readable(user) -> Q:
    """The obligations of a person the user may see that the user may also read: the file's kinds,
    and each other kind where the user may read its record type of that person (a correlated
    EXISTS on the row's person, an index probe of the grants).

    A supervisor who sees persons by region alone reads a type the matrix gives supervisors of
    every person they see (`visible_persons` is the same region for that type), so those kinds
    need no check of the person: the EXISTS would hash the region's every person for it."""
    readable = Q(kind__in=kinds_of_type(OBLIGATION_RECORD_TYPE, FILE))
    by_region_alone = _supervisor_types(user) if region_only_path(user) is not None else set()
    for record_type in _OBLIGATION_TYPES:
        kinds = Q(kind__in=kinds_of_type(OBLIGATION_RECORD_TYPE, record_type))
        if record_type in by_region_alone:
            readable |= kinds
        else:
            readable |= kinds & Q(Exists(visible_persons(user, record_type).filter(pk=OuterRef("person_id"))))
    return readable


def person_obligations_readable(user, person_id: OuterRef):
    """Return the obligations of one person of an outer query on `visible_persons(user)` that
    the user may read, for a correlated subquery (each figure of a person list's row).

    The outer row is a person the user may see, so the kinds every reader of the file sees
    need no second check of the person, and each other kind's record type is checked on that
    one person: `visible_obligations` built the set of every person the user may read of each
    type once per figure, a hash of 563 persons for a police station, several times a page.
    Never for a person not known to be visible: the file's kinds are not checked here.
    """
    return _obligations_readable(user).filter(person=person_id)


def page_obligations_readable(user, person_ids: Collection[int]):
    """Return the obligations the user may read of `person_ids`, persons just read through
    `visible_persons(user)` (a page of the person list), by the rules of
    `person_obligations_readable`. Never for ids from anywhere else: the file's kinds are not
    checked here."""
    return _obligations_readable(user).filter(person_id__in=list(person_ids))


def _obligations_readable(user):
    if staff_for(user) is None:
        from casework.models import Obligation

        return Obligation.objects.none()
    return _obligations_readable_built(_door_key(user), user)


@built_once(maxsize=256)
def _obligations_readable_built(door_key: tuple, user):
    from casework.models import Obligation

    return Obligation.objects.filter(_kinds_readable(user))


def _talks_readable(user):
    from casework.models import Talk

    if staff_for(user) is None:
        return Talk.objects.none()
    return _talks_readable_built(_door_key(user), user)


@built_once(maxsize=256)
def _talks_readable_built(door_key: tuple, user):
    from casework.models import Talk

    if region_only_path(user) is not None and RecordType.TALK in _supervisor_types(user):
        # Read by region alone (see `_kinds_readable`): the talks of every person they see.
        return Talk.objects.all()
    return Talk.objects.filter(
        Exists(visible_persons(user, RecordType.TALK).filter(pk=OuterRef("person_id")))
    )


def person_talks_readable(user, person_id: OuterRef):
    """Return the talks of one person of an outer query on `visible_persons(user)`, if the user
    may read that person's talk records (checked on that person only)."""
    return _talks_readable(user).filter(person=person_id)


def page_talks_readable(user, person_ids: Collection[int]):
    """Return the talks of `person_ids`, persons just read through `visible_persons(user)`, of
    those whose talk records the user may read."""
    return _talks_readable(user).filter(person_id__in=list(person_ids))


def visible_talks(user):
    """Return the talks, home visits and calls of persons whose talk records the user may read."""
    from casework.models import Talk

    return Talk.objects.filter(person__in=visible_persons(user, RecordType.TALK).values("pk"))


# The offices that receive referrals (禁毒法 art 34 para 2; 戒毒条例 art 4; rules.md §3.2-3.3),
# and the statuses in which a referral is still the office's work: to accept or decline, or
# accepted and not yet closed.
REFERRAL_AGENCY_KINDS = (Agency.Kind.HUMAN_RESOURCES, Agency.Kind.CIVIL_AFFAIRS)
OPEN_REFERRAL_STATUSES = (Referral.Status.REFERRED, Referral.Status.ACCEPTED)


def _referral_receivers() -> QuerySet[Staff]:
    """Return the staff who act for a 人社所 or 民政办 (the same test as `agency_group_id`)."""
    roles = [role for role in Staff.Role.values if holds_agency_grants(role)]
    return Staff.objects.filter(
        agency__kind__in=REFERRAL_AGENCY_KINDS, agency__group__isnull=False, role__in=roles
    )


def referrals_received(user) -> QuerySet[Referral]:
    """Return the referrals to the user's 人社所 or 民政办, at any status, newest first, with the
    person; none for anyone who does not act for such an office."""

    staff = staff_for(user)
    if staff is None or staff.agency.kind not in REFERRAL_AGENCY_KINDS or agency_group_id(staff) is None:
        return Referral.objects.none()
    return (
        Referral.objects.filter(agency_id=staff.agency_id)
        .select_related("person")
        .order_by("-referred_on", "-id")
    )


def referrals_to_do(user) -> QuerySet[Referral]:
    """Return the open referrals the user's 人社所 or 民政办 is to accept or carry out."""
    return referrals_received(user).filter(status__in=OPEN_REFERRAL_STATUSES)


def referrals_to_do_by_user() -> QuerySet:
    """Return rows (receiver_id, referral_id): for every user, the referrals that
    `referrals_to_do(user)` lists (the daily digest counts them per user in one statement)."""
    return (
        _referral_receivers()
        .filter(agency__referrals__status__in=OPEN_REFERRAL_STATUSES)
        .values(receiver_id=F("user_id"), referral_id=F("agency__referrals__id"))
        .order_by()
    )
