"""Grants and revocations, in one module.

A person's grants are derived data: they follow from the help teams, the
agencies with jurisdiction and the matrix. `sync_person_grants` brings the
grant tables in line with that data for a set of persons, and every write that
changes one of those inputs calls it in the same transaction.
"""

import ipaddress
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from casework.models import Agency, Episode, Person, Region, Staff, TeamMember

from .models import (
    AccessLog,
    Party,
    PersonGroupObjectPermission,
    PersonUserObjectPermission,
    RecordAccessRule,
    RecordType,
)

VIEW_PERSON = "view_person"
# Not a permission: the marker `selectors.person_access_for` reads for a pending transfer's new place.
RECEIVING_TRANSFER = "receiving_transfer"

# Agencies that hold jurisdiction over a person and the party whose matrix row they take.
AGENCY_PARTY = {
    Agency.Kind.WORK_STATION: Party.COMMUNITY,
    Agency.Kind.POLICE: Party.POLICE,
    Agency.Kind.JUDICIAL: Party.JUDICIAL,
    Agency.Kind.CIVIL_AFFAIRS: Party.CIVIL_AFFAIRS,
    Agency.Kind.HUMAN_RESOURCES: Party.HUMAN_RESOURCES,
    Agency.Kind.DRUG_CONTROL: Party.SUPERVISOR,
}

# What an agency may do (not read) about the persons it holds: the flows' task permissions.
ACTION_CODENAMES: dict[str, set[str]] = {
    Agency.Kind.WORK_STATION: {"act_work_station"},
    Agency.Kind.POLICE: {"act_police"},
}

DEFAULT_MATRIX: dict[str, tuple[str, ...]] = {
    Party.COMMUNITY: tuple(RecordType.values),
    Party.POLICE: (RecordType.DRUGTEST, RecordType.ABSENCE, RecordType.VIOLATION, RecordType.IDENTIFIERS),
    Party.JUDICIAL: (RecordType.VIOLATION, RecordType.LEGALAID),
    Party.FAMILY: (),
    Party.CIVIL_AFFAIRS: (RecordType.ASSISTANCE,),
    Party.HUMAN_RESOURCES: (RecordType.TRAINING,),
    Party.SUPERVISOR: (
        RecordType.DRUGTEST,
        RecordType.ABSENCE,
        RecordType.VIOLATION,
        RecordType.TRAINING,
        RecordType.ASSISTANCE,
        RecordType.LEGALAID,
    ),
}


def holds_agency_grants(role: str) -> bool:
    """Return whether staff in this role act for their agency (its group's grants).

    Social workers (禁毒社工), often employed by a contracted organisation, see only the
    persons whose help team they are on: about 30 each, not the whole township.
    """
    return role != Staff.Role.SOCIAL_WORKER


def codename_for(record_type: str) -> str:
    """Return the Person permission codename that lets a party read `record_type`."""
    if record_type == RecordType.IDENTIFIERS:
        return "reveal_identifiers"
    if record_type == RecordType.IDENTITY:
        return "edit_identity"
    return f"view_{record_type}"


def record_type_for(codename: str) -> str | None:
    if codename == "reveal_identifiers":
        return RecordType.IDENTIFIERS
    if codename == "edit_identity":
        return RecordType.IDENTITY
    if codename == VIEW_PERSON or codename.startswith("act_"):
        return None
    return codename.removeprefix("view_")


def matrix() -> dict[str, set[str]]:
    """Return the matrix as {party: {record types}} (one query)."""
    result: dict[str, set[str]] = defaultdict(set)
    for party, record_type in RecordAccessRule.objects.values_list("party", "record_type"):
        result[party].add(record_type)
    return result


def party_codenames(party_matrix: dict[str, set[str]], party: str) -> set[str]:
    return {VIEW_PERSON} | {codename_for(rt) for rt in party_matrix.get(party, ())}


def townships_of(region_ids: Iterable[int]) -> dict[int, int]:
    """Return {region id: id of the township at or above it} in two queries."""
    paths = dict(Region.objects.filter(pk__in=set(region_ids)).values_list("pk", "path"))
    steplen = Region.steplen
    prefixes = {p[: steplen * depth] for p in paths.values() for depth in range(1, len(p) // steplen + 1)}
    townships = dict(
        Region.objects.filter(level=Region.Level.TOWNSHIP, path__in=prefixes).values_list("path", "pk")
    )
    result = {}
    for region_id, path in paths.items():
        for depth in range(len(path) // steplen, 0, -1):
            township = townships.get(path[: steplen * depth])
            if township:
                result[region_id] = township
                break
    return result


@dataclass(frozen=True)
class Grant:
    holder: str  # "user" or "group"
    holder_id: int
    person_id: int
    codename: str
    # The last day a help-team grant holds (None: open-ended); group grants have none.
    until: date | None = None


def desired_grants(person_ids: list[int], today: date | None = None) -> set[Grant]:
    """Return the grants that the data calls for on these persons (a fixed number of queries)."""
    today = today or timezone.localdate()
    party_matrix = matrix()
    persons = list(
        Person.objects.filter(pk__in=person_ids).values_list(
            "pk", "residence_region_id", "household_region_id"
        )
    )
    # The current episode: the open one, else the most recent.
    current: dict[int, tuple[int, int]] = {}
    for person_id, episode_id, township_id, status in (
        Episode.objects.filter(person_id__in=person_ids)
        .order_by("person_id", "-decision_date", "-id")
        .values_list("person_id", "pk", "township_id", "status")
    ):
        if person_id not in current or (status not in Episode.CLOSED_STATUSES and current[person_id][2]):
            current[person_id] = (episode_id, township_id, status in Episode.CLOSED_STATUSES)
    region_ids = {r for _, res, hh in persons for r in (res, hh)}
    township_of = townships_of(region_ids)
    agencies: dict[tuple[str, int], list[int]] = defaultdict(list)
    for kind, region_id, group_id in Agency.objects.filter(
        kind__in=[Agency.Kind.POLICE, Agency.Kind.WORK_STATION, Agency.Kind.JUDICIAL],
        region_id__in=set(township_of.values()) | {c[1] for c in current.values()},
    ).values_list("kind", "region_id", "group_id"):
        agencies[(kind, region_id)].append(group_id)

    grants: set[Grant] = set()
    # Each agency kind's and each team role's codenames, worked out once, not once per person.
    kind_codenames = {
        kind: party_codenames(party_matrix, AGENCY_PARTY[kind]) | ACTION_CODENAMES.get(kind, set())
        for kind in AGENCY_PARTY
    }
    role_codenames: dict[str, set[str]] = {}

    def grant_group(kind: str, township_id: int | None, person_id: int) -> None:
        codenames = kind_codenames[kind]
        for group_id in agencies.get((kind, township_id), ()):
            for codename in codenames:
                grants.add(Grant("group", group_id, person_id, codename))

    for person_id, residence_id, household_id in persons:
        # 双向管控: the police of the residence and of the household registration.
        grant_group(Agency.Kind.POLICE, township_of.get(residence_id), person_id)
        grant_group(Agency.Kind.POLICE, township_of.get(household_id), person_id)
        if person_id in current:
            township_id = current[person_id][1]
            grant_group(Agency.Kind.WORK_STATION, township_id, person_id)
            grant_group(Agency.Kind.JUDICIAL, township_id, person_id)

    current_episode_ids = [c[0] for c in current.values()]
    # A user on the team in two roles, or twice, holds each codename until the latest end.
    team_until: dict[tuple[int, int, str], date | None] = {}
    for person_id, user_id, role_code, end_date in (
        TeamMember.objects.filter(
            episode_id__in=current_episode_ids, user__isnull=False, user__is_active=True
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today)
        .values_list("episode__person_id", "user_id", "role__code", "end_date")
    ):
        if role_code not in role_codenames:
            role_codenames[role_code] = party_codenames(party_matrix, role_code)
        for codename in role_codenames[role_code]:
            key = (user_id, person_id, codename)
            if key not in team_until:
                team_until[key] = end_date
            elif team_until[key] is not None:
                team_until[key] = None if end_date is None else max(team_until[key], end_date)
    for (user_id, person_id, codename), until in team_until.items():
        grants.add(Grant("user", user_id, person_id, codename, until))

    # --- Referrals (禁毒法 art 34 para 2, 戒毒条例 arts 18, 39): while a referral to
    # 人社/民政 is referred or accepted, the target agency reads the person and its matrix record
    # types and may act on the referral. Least privilege: once declined or closed, the agency keeps
    # nothing (unless it holds the person another way); its referral list still shows its own
    # referrals' outcomes. One query.
    from casework.models import Referral

    referral_actions = {
        Agency.Kind.HUMAN_RESOURCES: "act_human_resources",
        Agency.Kind.CIVIL_AFFAIRS: "act_civil_affairs",
    }
    for person_id, group_id, kind in Referral.objects.filter(
        person_id__in=person_ids, status__in=[Referral.Status.REFERRED, Referral.Status.ACCEPTED]
    ).values_list("person_id", "agency__group_id", "agency__kind"):
        if kind in referral_actions:
            for codename in party_codenames(party_matrix, AGENCY_PARTY[kind]) | {referral_actions[kind]}:
                grants.add(Grant("group", group_id, person_id, codename))

    # --- Transfers (戒毒条例 art 22): while a change of execution place is requested,
    # the receiving township's work station sees the person and may act (accept or decline).
    # Nothing else: no record types. After acceptance the episode-township rule above takes
    # over. One query.
    from casework.models import Transfer

    for person_id, group_id in (
        Transfer.objects.filter(
            person_id__in=person_ids,
            status=Transfer.Status.REQUESTED,
            to_township__agencies__kind=Agency.Kind.WORK_STATION,
        )
        .exclude(episode__status__in=Episode.CLOSED_STATUSES)
        .values_list("person_id", "to_township__agencies__group_id")
    ):
        for codename in (VIEW_PERSON, "act_work_station"):
            grants.add(Grant("group", group_id, person_id, codename))
    return grants


def existing_grants(person_ids: list[int]) -> dict[Grant, int]:
    """Return {grant: row id} for the grants stored on these persons."""
    result: dict[Grant, int] = {}
    for pk, user_id, person_id, codename, until in PersonUserObjectPermission.objects.filter(
        content_object_id__in=person_ids
    ).values_list("pk", "user_id", "content_object_id", "permission__codename", "valid_until"):
        result[Grant("user", user_id, person_id, codename, until)] = pk
    for pk, group_id, person_id, codename in PersonGroupObjectPermission.objects.filter(
        content_object_id__in=person_ids
    ).values_list("pk", "group_id", "content_object_id", "permission__codename"):
        result[Grant("group", group_id, person_id, codename)] = pk
    return result


_PERMISSION_IDS: dict[str, dict[str, int]] = {}


def person_permission_ids() -> dict[str, int]:
    """Return {codename: id} of Person's permissions, cached per database until the next migrate."""
    alias = connection.alias
    if alias not in _PERMISSION_IDS:
        content_type = ContentType.objects.get_for_model(Person)
        _PERMISSION_IDS[alias] = dict(
            Permission.objects.filter(content_type=content_type).values_list("codename", "pk")
        )
    return _PERMISSION_IDS[alias]


def forget_permission_ids(**kwargs) -> None:
    """post_migrate (also sent after a test database flush): permission rows may have new ids."""
    _PERMISSION_IDS.clear()


COPY_THRESHOLD = 5000


def _insert_grants(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert grant rows (values in the order of `columns`): COPY on PostgreSQL for big batches,
    else bulk_create."""
    if not rows:
        return
    if connection.vendor == "postgresql" and len(rows) >= COPY_THRESHOLD:
        table = model._meta.db_table
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    model.objects.bulk_create(
        [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=5000
    )


@dataclass
class SyncResult:
    added: int = 0
    removed: int = 0

    def __iadd__(self, other: "SyncResult") -> "SyncResult":
        self.added += other.added
        self.removed += other.removed
        return self


def sync_person_grants(
    person_ids: Iterable[int], *, dry_run: bool = False, today: date | None = None
) -> SyncResult:
    """Bring the stored grants of these persons in line with the data; return what changed."""
    person_ids = list(set(person_ids))
    if not person_ids:
        return SyncResult()
    wanted = desired_grants(person_ids, today)
    stored = existing_grants(person_ids)
    missing = wanted - stored.keys()
    extra = [g for g in stored if g not in wanted]
    if not dry_run:
        user_extra = [stored[g] for g in extra if g.holder == "user"]
        group_extra = [stored[g] for g in extra if g.holder == "group"]
        if user_extra:
            PersonUserObjectPermission.objects.filter(pk__in=user_extra).delete()
        if group_extra:
            PersonGroupObjectPermission.objects.filter(pk__in=group_extra).delete()
        perm_ids = person_permission_ids()
        _insert_grants(
            PersonUserObjectPermission,
            ("user_id", "content_object_id", "permission_id", "valid_until"),
            [
                (g.holder_id, g.person_id, perm_ids[g.codename], g.until)
                for g in missing
                if g.holder == "user"
            ],
        )
        _insert_grants(
            PersonGroupObjectPermission,
            ("group_id", "content_object_id", "permission_id"),
            [(g.holder_id, g.person_id, perm_ids[g.codename]) for g in missing if g.holder == "group"],
        )
    return SyncResult(added=len(missing), removed=len(extra))


def rebuild_all_grants(*, dry_run: bool = False, batch_size: int = 2000) -> SyncResult:
    """Sync the grants of every person, in batches; return the total of what changed."""
    total = SyncResult()
    last_id = 0
    while True:
        ids = list(
            Person.objects.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return total
        total += sync_person_grants(ids, dry_run=dry_run)
        last_id = ids[-1]


def team_grants_refresh(today: date | None = None) -> SyncResult:
    """Re-sync the persons whose help-team grants changed with the calendar: a grant past its
    last day (the door already ignores it; this removes the row) and a membership that starts
    today. Two indexed queries find them; running it twice on a day changes nothing."""
    today = today or timezone.localdate()
    expired = PersonUserObjectPermission.objects.filter(valid_until__lt=today).values_list(
        "content_object_id", flat=True
    )
    view_id = person_permission_ids()[VIEW_PERSON]
    granted = PersonUserObjectPermission.objects.filter(
        user_id=OuterRef("user_id"), content_object_id=OuterRef("episode__person_id"), permission_id=view_id
    )
    starting = (
        TeamMember.objects.filter(user__isnull=False, user__is_active=True, start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .exclude(episode__status__in=Episode.CLOSED_STATUSES)
        .filter(~Exists(granted))
        .values_list("episode__person_id", flat=True)
    )
    person_ids = set(expired.distinct()) | set(starting.distinct())
    return sync_person_grants(person_ids, today=today)


def _address(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted_networks() -> list:
    return [ipaddress.ip_network(item, strict=False) for item in settings.TRUSTED_PROXIES]


def client_ip(request) -> str | None:
    """Return the address of the client, as the access log records it.

    Behind the HTTPS proxy REMOTE_ADDR is the proxy's. X-Forwarded-For is believed only as far
    as it was written by proxies in settings.TRUSTED_PROXIES: walking it from the right, the
    first address not of a trusted proxy is the client (anything left of it could be forged by
    the client itself). A value that is not an IP address is never stored.
    """
    remote = _address(request.META.get("REMOTE_ADDR", ""))
    if remote is None:
        return None
    trusted = _trusted_networks()
    if not any(remote in network for network in trusted):
        return str(remote)
    client = remote
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            break
        client = address
        if not any(address in network for network in trusted):
            break
    return str(client)


def access_log_write(
    *, request, person_ids: Iterable[int], action: str, record_types: Iterable[str] = (), reason: str = ""
) -> None:
    """Write one access-log row per person read (bulk, one query).

    A request authenticated by an API token (`request.auth` with a name) names the token, and
    is marked as logged, so the token's call gets no second row of its own.
    """
    types = ",".join(sorted(record_types))
    token_name = str(getattr(getattr(request, "auth", None), "name", "") or "")[:60]
    AccessLog.objects.bulk_create(
        [
            AccessLog(
                user=request.user,
                person_id=person_id,
                action=action,
                record_types=types,
                reason=reason[:200],
                ip=client_ip(request),
                path=request.get_full_path()[:300],
                token_name=token_name,
            )
            for person_id in person_ids
        ]
    )
    getattr(request, "_request", request).access_logged = True
