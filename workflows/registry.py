"""The registry of the flows' human steps: for each node, the form its page shows and the
handler that saves it. Adding a step to a flow means adding its line here.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms as django_forms
from django.utils.translation import gettext_lazy

from casework.models import Agency
from workflows.branches import completion, transfers
from workflows.branches.absences import handle_absence_decide
from workflows.branches.breaches import handle_handover_prepare, handle_handover_receive
from workflows.branches.certification import handle_certification_approve
from workflows.branches.intake import (
    handle_agreement,
    handle_follow_up,
    handle_handover,
    handle_plan,
    handle_police_decision,
    handle_refusal_check,
    handle_report_in,
    handle_team,
)
from workflows.flows import (
    POLICE,
    SUPERVISOR,
    WORK_STATION,
    AbsenceApprovalFlow,
    BreachHandOverFlow,
    CertificationFlow,
    CompletionFlow,
    FollowUpFlow,
    IntakeFlow,
    TransferFlow,
)
from workflows.forms.absences import AbsenceDecisionForm
from workflows.forms.breaches import BreachPoliceDecisionForm, HandOverPackageForm
from workflows.forms.certification import CertificationDecideForm
from workflows.forms.completion import CompletionPrepareForm, ReleaseNoticeForm
from workflows.forms.intake import (
    AgreementForm,
    HandOverForm,
    PlanForm,
    PoliceDecisionForm,
    RefusalCheckForm,
    ReportInForm,
    TeamForm,
)
from workflows.forms.records import FollowUpForm
from workflows.forms.transfers import TransferDecisionForm, TransferReportForm


@dataclass(frozen=True)
class Step:
    form: type[django_forms.Form]
    handle: Callable
    needs_episode: bool = False
    help: str = ""


STEPS: dict[tuple[type, str], Step] = {
    (IntakeFlow, "report_in"): Step(
        ReportInForm,
        handle_report_in,
        True,
        gettext_lazy("按期报到的期限见下方；报到日即执行起始日（《戒毒条例》第十四条）。"),
    ),
    (IntakeFlow, "refusal_check"): Step(
        RefusalCheckForm,
        handle_refusal_check,
        True,
        help=gettext_lazy(
            "逾期未报到且无正当理由的，视为拒绝接受社区戒毒，须及时报告公安机关（《戒毒条例》第十四条、第二十一条）。"
        ),
    ),
    (IntakeFlow, "handover"): Step(HandOverForm, handle_handover),
    (IntakeFlow, "police_decision"): Step(PoliceDecisionForm, handle_police_decision, True),
    (IntakeFlow, "agreement"): Step(
        AgreementForm,
        handle_agreement,
        True,
        gettext_lazy("报到后及时签订协议（《戒毒条例》第十六条）。"),
    ),
    (IntakeFlow, "plan"): Step(PlanForm, handle_plan),
    (IntakeFlow, "team"): Step(TeamForm, handle_team, True),
    (FollowUpFlow, "review"): Step(FollowUpForm, handle_follow_up),
    # Detox certification: the supervisor's decision on the work station's proposal.
    (CertificationFlow, "approve"): Step(
        CertificationDecideForm,
        handle_certification_approve,
        True,
        gettext_lazy(
            "核对提请内容和认定条件；同意认定须填写证明编号，退回须说明理由。提请人不能审批本人的提请。"
        ),
    ),
    # Breach hand-over and absence approval: workflows.branches.breaches, workflows.branches.absences.
    (BreachHandOverFlow, "prepare"): Step(
        HandOverPackageForm,
        handle_handover_prepare,
        help=gettext_lazy(
            "严重违反协议附严重违反协议证明，复吸附检测报告或复吸情况说明，并附移交回执；当日移交（《戒毒条例》第二十条、第二十一条）。"
        ),
    ),
    (BreachHandOverFlow, "receive"): Step(
        BreachPoliceDecisionForm,
        handle_handover_receive,
        help=gettext_lazy("依法决定强制隔离戒毒，或说明理由继续执行（《禁毒法》第三十八条）。"),
    ),
    (AbsenceApprovalFlow, "decide"): Step(
        AbsenceDecisionForm,
        handle_absence_decide,
        help=gettext_lazy("外出审批由工作站负责人办理，录入人不能审批本人录入的报告。"),
    ),
    # Transfer and completion: handlers in workflows.branches.transfers, workflows.branches.completion.
    (TransferFlow, "accept_or_decline"): Step(
        TransferDecisionForm,
        transfers.handle_accept_or_decline,
        True,
        gettext_lazy(
            "由接收地工作站办理；同意接收后须在15日内到新执行地报到，期限连续计算（《戒毒条例》第二十二条）。"
        ),
    ),
    (TransferFlow, "report_at_new_place"): Step(
        TransferReportForm,
        transfers.handle_report_at_new_place,
        help=gettext_lazy("自变更之日起15日内到新执行地报到（《戒毒条例》第二十二条）。"),
    ),
    (TransferFlow, "agreement"): Step(
        AgreementForm,
        transfers.handle_transfer_agreement,
        True,
        gettext_lazy("变更执行地后由新执行地重新签订协议（《戒毒条例》第二十二条）。"),
    ),
    (TransferFlow, "team"): Step(
        TeamForm,
        transfers.handle_transfer_team,
        True,
        gettext_lazy("原执行地的帮教人员已于接收前一日结束；请指定新执行地的社工和民警等（家庭成员继续）。"),
    ),
    (CompletionFlow, "prepare_file"): Step(
        CompletionPrepareForm,
        completion.handle_prepare_file,
        help=gettext_lazy("期满前将协议和执行档案移送公安机关（《戒毒条例》第二十三条、第四十条）。"),
    ),
    (CompletionFlow, "release_notice"): Step(
        ReleaseNoticeForm,
        completion.handle_release_notice,
        True,
        gettext_lazy(
            "期满之日起解除；解除通知书送达本人及家属，并在7日内通知乡镇(街道)（《戒毒条例》第二十三条、第四十条）。"
        ),
    ),
}


# Who does each step, read from the node's own permission (rules.md §4.3): the work station
# intakes, prepares and hands over; the police decide on a hand-over or refusal (禁毒法 art 38;
# 戒毒条例 arts 14, 20-21) and issue the release notice (art 23); the 禁毒办 approves the detox
# certification (rules.md §3.1).
STEP_PARTY: dict[str, str] = {
    WORK_STATION: Agency.Kind.WORK_STATION,
    POLICE: Agency.Kind.POLICE,
    SUPERVISOR: Agency.Kind.DRUG_CONTROL,
}


def step_party(task) -> str | None:
    """Return the agency kind that does this task's step."""
    return STEP_PARTY.get(task.owner_permission or "")


def step_for(task) -> Step:
    node = task.flow_task
    return STEPS[(node.flow_class, node.name)]


def task_title(task) -> str:
    return str(task.flow_task.task_title or task.flow_task.name)
