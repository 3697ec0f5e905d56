"""Doing the flows' human steps from code, as their pages would: for tests that walk a case
through its life cycle without HTTP. Each completes the open step under the flow lock through
the same engine and handlers as the step page.
"""

from datetime import date

from django.utils.translation import gettext as _
from viewflow.workflow.status import STATUS

from casework.errors import RecordRefused
from casework.models import Certification, Episode, Region, Transfer
from workflows.branches.certification import approve_task_for, certification_decision_apply
from workflows.engine import step_run
from workflows.flows import CertificationFlow, CompletionFlow, TransferFlow


def transfer_accept(user, transfer: Transfer, community: Region, on: date) -> Transfer:
    step_run(
        user,
        TransferFlow,
        "accept_or_decline",
        transfer.episode,
        {"decision": "accept", "community": community, "decided_on": on},
    )
    transfer.refresh_from_db()
    return transfer


def transfer_decline(user, transfer: Transfer, reason: str, on: date) -> Transfer:
    step_run(
        user,
        TransferFlow,
        "accept_or_decline",
        transfer.episode,
        {"decision": "decline", "decline_reason": reason, "decided_on": on},
    )
    transfer.refresh_from_db()
    return transfer


def transfer_report(user, transfer: Transfer, on: date) -> Transfer:
    step_run(user, TransferFlow, "report_at_new_place", transfer.episode, {"reported_on": on})
    transfer.refresh_from_db()
    return transfer


def transfer_agreement(user, transfer: Transfer, signed_on: date, **texts) -> Episode:
    from workflows.branches.intake import AGREEMENT_LIABILITY, AGREEMENT_MEASURES, AGREEMENT_RULES

    data = {
        "signed_on": signed_on,
        "measures": texts.get("measures", AGREEMENT_MEASURES),
        "rules": texts.get("rules", AGREEMENT_RULES),
        "liability": texts.get("liability", AGREEMENT_LIABILITY),
    }
    step_run(user, TransferFlow, "agreement", transfer.episode, data)
    return Episode.objects.get(pk=transfer.episode_id)


def transfer_team(user, transfer: Transfer, start_date: date, **members) -> Episode:
    """The new help team: members as in forms.TeamForm (community=<user>, police=<user>, ...)."""
    step_run(user, TransferFlow, "team", transfer.episode, {"start_date": start_date, **members})
    return Episode.objects.get(pk=transfer.episode_id)


def completion_prepare(user, episode: Episode, sent_on: date, documents: str = "协议、执行档案") -> None:
    """Do the work station's step from code (no HTTP)."""
    step_run(user, CompletionFlow, "prepare_file", episode, {"sent_on": sent_on, "documents": documents})


def completion_notice(
    user,
    episode: Episode,
    *,
    number: str,
    issued_on: date,
    served_person_on: date,
    township_notified_on: date,
    served_family_on: date | None = None,
) -> Episode:
    """Do the police station's step from code (no HTTP); return the completed episode."""
    step_run(
        user,
        CompletionFlow,
        "release_notice",
        episode,
        {
            "number": number,
            "issued_on": issued_on,
            "served_person_on": served_person_on,
            "served_family_on": served_family_on,
            "township_notified_on": township_notified_on,
        },
    )
    return Episode.objects.get(pk=episode.pk)


# --- follow-up after completion ---------------------------------------------------------------


def certification_decide(
    user, certification: Certification, approve: bool, on: date, number: str = "", note: str = ""
) -> Certification:
    """Decide a proposal as the supervisor (no HTTP): completes the flow's approve task.

    Raises RecordRefused with the reason (nothing changed) for a decided proposal, a user who
    is not the supervisor over the township, the proposer, or criteria no longer met.
    """
    task = approve_task_for(certification)
    if task is None:
        raise RecordRefused(_("该脱毒认定已审批，不能重复审批。"))
    with CertificationFlow.lock(task.process_id):
        task.refresh_from_db()
        if task.status not in (STATUS.NEW, STATUS.ASSIGNED) or (task.owner_id and task.owner_id != user.pk):
            raise RecordRefused(_("该步骤已由他人办结或认领，本次提交未保存。"))
        if not task.flow_task.can_assign(user, task) and task.owner_id != user.pk:
            raise RecordRefused(_("只有执行地所属禁毒办可以审批脱毒认定。"))
        activation = task.flow_task.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(user)
        activation.start(None)
        result = certification_decision_apply(
            actor=user, certification_id=certification.pk, approve=approve, on=on, number=number, note=note
        )
        activation.execute()
    return result


def certified_on(episode: Episode) -> date | None:
    """Return the approval date of the episode's certification, or None."""
    return (
        Certification.objects.filter(episode=episode, status=Certification.Status.APPROVED)
        .values_list("decided_on", flat=True)
        .first()
    )
