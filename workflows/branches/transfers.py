"""Change of execution place (变更执行地, 戒毒条例 art 22; rules.md §1.10, §8 rule 8).

A hand-shake between townships, run by `flows.TransferFlow`:

1. the current work station requests (`transfer_request`): the episode goes TRANSFER_PENDING and
   the receiving township's work station gets a grant on the person while the request is open;
2. the receiving work station accepts, choosing the community, or declines with a reason
   (`handle_accept_or_decline`; from code: `transfer_accept` / `transfer_decline`). On acceptance
   the episode's township and community become the new ones, the old agency's grants and the
   old help team end, open obligations move to the new township, and the person must report at
   the new place within 15 days (an Obligation 'transfer_in');
3. the new work station records the reporting in (`transfer_report`);
4. a new agreement is signed (`transfer_agreement`) and the episode is ACTIVE again.

The clock runs on (art 22: 连续计算): start_date and expected_end_date are never touched. The
obligation open at acceptance keeps its due date; the ones after it follow the new township's
schedule table, because the schedule is read from the episode's township when each is opened.
"""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from casework import deadlines
from casework.errors import RecordRefused
from casework.locks import episode_lock
from casework.models import Agency, Episode, Obligation, ObligationKind, Region, TeamMember, Transfer
from casework.services import event_record
from permissions import selectors
from permissions.services import sync_person_grants
from workflows.branches.common import check_not_future, deadline_meet, deadline_open
from workflows.flows import TransferFlow
from workflows.transitions import episode_transition

S = Episode.Status
OPEN_TRANSFER = (Transfer.Status.REQUESTED, Transfer.Status.ACCEPTED)


def is_work_station_of(user, township_id: int) -> bool:
    """Return whether the user acts for the work station of this township (not a social worker)."""
    staff = selectors.staff_for(user)
    return (
        staff is not None
        and selectors.agency_group_id(staff) is not None
        and staff.agency.kind == Agency.Kind.WORK_STATION
        and staff.agency.region_id == township_id
    )


@transaction.atomic
def transfer_request(
    *, actor, episode: Episode, to_township: Region, reason: str, on: date, new_address: str = ""
) -> Transfer:
    """Request the change of execution place to `to_township` (戒毒条例 art 22); start the hand-shake."""
    episode = episode_lock(episode.pk)
    if not is_work_station_of(actor, episode.township_id):
        raise PermissionDenied
    if to_township.level != Region.Level.TOWNSHIP:
        raise RecordRefused(_("新执行地须为乡镇(街道)。"))
    if to_township.pk == episode.township_id:
        raise RecordRefused(_("新执行地不能与原执行地相同。"))
    check_not_future(on, _("申请日期"))
    if episode.start_date and on < episode.start_date:
        raise RecordRefused(_("申请日期不能早于执行起始日期。"))
    if episode.transfers.filter(status__in=OPEN_TRANSFER).exists():
        raise RecordRefused(_("该人员已有未办结的变更执行地。"))
    transfer = Transfer.objects.create(
        episode=episode,
        person_id=episode.person_id,
        from_township_id=episode.township_id,
        from_community_id=episode.community_id,
        to_township=to_township,
        reason=reason,
        new_address=new_address,
        requested_by=actor,
        requested_on=on,
    )
    episode_transition(
        episode_id=episode.pk,
        to=S.TRANSFER_PENDING,
        actor=actor,
        message=f"申请变更执行地：{episode.township.name} → {to_township.name}（{reason}）",
    )
    sync_person_grants([episode.person_id])
    TransferFlow.start.run(episode=episode, transfer=transfer)
    return transfer


def _transfer_locked(activation) -> Transfer:
    return (
        Transfer.objects.select_for_update()
        .select_related("to_township", "from_township")
        .get(pk=activation.process.data["transfer_id"])
    )


def handle_accept_or_decline(user, episode: Episode, data: dict, activation) -> None:
    """Step 2 (receiving work station): accept with the community, or decline with a reason."""
    transfer = _transfer_locked(activation)
    if not is_work_station_of(user, transfer.to_township_id):
        raise RecordRefused(_("只有接收地的工作站可以接收或拒绝变更执行地。"))
    if transfer.status != Transfer.Status.REQUESTED:
        raise RecordRefused(_("该申请已办理，不能重复登记。"))
    decided_on = data["decided_on"]
    check_not_future(decided_on, _("办理日期"))
    if decided_on < transfer.requested_on:
        raise RecordRefused(_("办理日期不能早于申请日期。"))
    if data["decision"] == "accept":
        community = data.get("community")
        if community is None or Region.objects.get_parent(community).pk != transfer.to_township_id:
            raise RecordRefused(_("请选择接收地所辖的责任社区。"))
        _accept(user, episode, transfer, community, decided_on)
        activation.process.data["accepted"] = True
    else:
        reason = (data.get("decline_reason") or "").strip()
        if not reason:
            raise RecordRefused(_("拒绝接收须填写理由。"))
        transfer.status = Transfer.Status.DECLINED
        transfer.decided_by = user
        transfer.decided_on = decided_on
        transfer.decline_reason = reason
        transfer.save(update_fields=["status", "decided_by", "decided_on", "decline_reason"])
        episode_transition(
            episode_id=episode.pk,
            to=S.ACTIVE,
            actor=user,
            message=f"{transfer.to_township.name}拒绝接收变更执行地（{reason}），继续在原执行地执行",
        )
        activation.process.data["accepted"] = False
    activation.process.save(update_fields=["data"])
    sync_person_grants([episode.person_id])


def _accept(user, episode: Episode, transfer: Transfer, community: Region, decided_on: date) -> None:
    transfer.status = Transfer.Status.ACCEPTED
    transfer.to_community = community
    transfer.decided_by = user
    transfer.decided_on = decided_on
    transfer.report_deadline = decided_on + timedelta(days=deadlines.TRANSFER_REPORT_DAYS)
    transfer.save(update_fields=["status", "to_community", "decided_by", "decided_on", "report_deadline"])
    # The file moves: the episode's place (grants follow the episode-township rule), the person's
    # responsible community (supervisors follow it) and residence (the police of residence follow it).
    Episode.objects.filter(pk=episode.pk).update(township=transfer.to_township, community=community)
    person = episode.person
    person.region = community
    person.residence_region = community
    fields = ["region", "residence_region", "updated_at"]
    if transfer.new_address:
        person.residence_address = transfer.new_address
        fields.append("residence_address")
    person.save(update_fields=fields)
    # The old help team's staff stop on the day before; family members (no account) stay.
    TeamMember.objects.filter(episode=episode, user__isnull=False).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=decided_on)
    ).update(end_date=decided_on - timedelta(days=1))
    episode.obligations.filter(status__in=Obligation.OPEN_STATUSES).update(township=transfer.to_township)
    episode.refresh_from_db()
    deadline_open(episode, ObligationKind.TRANSFER_IN, due_from=decided_on, due_by=transfer.report_deadline)
    event_record(
        person=person,
        episode=episode,
        actor=user,
        kind="transfer_accepted",
        message=(
            f"{transfer.to_township.name}接收变更执行地（责任社区：{community.name}），"
            f"须于 {date_format(transfer.report_deadline)} 前到新执行地报到"
        ),
        transfer_id=transfer.pk,
    )


def handle_report_at_new_place(user, episode: Episode, data: dict, activation) -> None:
    """Step 3 (new work station): the person reported at the new place (art 22: within 15 days)."""
    transfer = _transfer_locked(activation)
    if transfer.status != Transfer.Status.ACCEPTED:
        raise RecordRefused(_("该人员已在新执行地报到，不能重复登记。"))
    reported_on = data["reported_on"]
    check_not_future(reported_on, _("报到日期"))
    if reported_on < transfer.decided_on:
        raise RecordRefused(_("报到日期不能早于接收日期。"))
    transfer.reported_on = reported_on
    transfer.status = Transfer.Status.REPORTED
    transfer.save(update_fields=["reported_on", "status"])
    deadline_meet(episode, ObligationKind.TRANSFER_IN, reported_on)
    on_time = reported_on <= transfer.report_deadline
    event_record(
        person=episode.person,
        episode=episode,
        actor=user,
        kind="transfer_reported",
        happened_on=reported_on,
        message=f"在新执行地报到（{'按期' if on_time else '逾期'}，{date_format(reported_on)}）",
        transfer_id=transfer.pk,
    )


def handle_transfer_agreement(user, episode: Episode, data: dict, activation) -> None:
    """Step 4 (new work station): the new agreement (art 22); the episode is ACTIVE again."""
    from workflows.branches.intake import handle_agreement

    transfer = _transfer_locked(activation)
    if transfer.status != Transfer.Status.REPORTED:
        raise RecordRefused(_("须先登记在新执行地报到。"))
    if data["signed_on"] < transfer.reported_on:
        raise RecordRefused(_("协议签订日期不能早于在新执行地报到的日期。"))
    handle_agreement(user, episode, data, activation)
    episode_transition(
        episode_id=episode.pk,
        to=S.ACTIVE,
        actor=user,
        message=f"在新执行地签订协议，继续执行（期限连续计算，至 {date_format(episode.expected_end_date)}）",
    )


def handle_transfer_team(user, episode: Episode, data: dict, activation) -> None:
    """Step 5 (new work station): the help team at the new place. The old agencies' members were
    ended the day before acceptance; the family member stays unless a new one is named."""
    from workflows.branches.intake import team_members_add

    transfer = _transfer_locked(activation)
    if data["start_date"] < transfer.reported_on:
        raise RecordRefused(_("开始日期不能早于在新执行地报到的日期。"))
    if data.get("family_name"):
        episode.team.filter(role__code="family", end_date__isnull=True).update(
            end_date=data["start_date"] - timedelta(days=1)
        )
    named = [m.role.name for m in team_members_add(episode, data)]
    event_record(
        person=episode.person,
        episode=episode,
        actor=user,
        kind="team",
        message="新执行地帮教小组：" + "、".join(named),
        transfer_id=transfer.pk,
    )


# --- the same steps from code (no HTTP): for the scenario test and scripts -------------------


def may_see_transfer_history(user) -> bool:
    """The township's work station and the drug-control office keep the 转出/转入记录 (not social
    workers, not other agencies)."""
    staff = selectors.staff_for(user)
    return (
        staff is not None
        and selectors.agency_group_id(staff) is not None
        and staff.agency.kind in (Agency.Kind.WORK_STATION, Agency.Kind.DRUG_CONTROL)
    )


def transfers_of_township(user):
    """Return the transfers from or to the user's township (转出/转入记录), whoever holds the person now.

    Read by the agency's township, not by person grants: the old agency keeps the history
    (name, dates, status, reason) after the person's file has moved; nothing else of the person.
    """
    if not may_see_transfer_history(user):
        return Transfer.objects.none()
    township_id = selectors.staff_for(user).agency.region_id
    return Transfer.objects.filter(Q(from_township_id=township_id) | Q(to_township_id=township_id))
