"""The life-cycle flows (django-viewflow). Each human step is a View node with a permission
tied to the episode's person; the forms and pages for the steps are in `workflows.registry` and `workflows.task_views`.

viewflow's own frontend is not mounted: every page that shows a task is ours and reads
through `permissions`, so no viewflow list can leak a row (viewflow-guardian.md §4.2).
"""

from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from workflows.models import EpisodeProcess

WORK_STATION = "casework.act_work_station"
POLICE = "casework.act_police"


def _person(process):
    return process.artifact.person


def _step(title):
    # The node's own view is never routed; workflows.task_views renders and workflows.engine completes the step.
    return flow.View(lambda request, **kwargs: None).Annotation(title=title)


def report_deadline_passed(activation):
    """Return the moment the reporting-in deadline has passed: the start of the day after it."""
    deadline = activation.process.artifact.report_deadline
    return timezone.make_aware(datetime.combine(deadline + timedelta(days=1), time.min))


class IntakeFlow(flow.Flow):
    """Intake (戒毒条例 arts 13-17): reporting in within the deadline, agreement, plan and help team.

    No report by the deadline opens a refusal check (art 14); without a legitimate reason
    the work station hands the case to the police station (art 21), which decides.
    """

    process_class = EpisodeProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("报到与建组")

    start = flow.StartHandle(this.start_process).Next(this.report_in)
    report_in = (
        _step(_("报到登记"))
        .Permission(WORK_STATION, obj=_person)
        .OnTimeout(report_deadline_passed, this.refusal_check, title=_("逾期未报到"))
        .Next(this.agreement)
    )
    refusal_check = _step(_("逾期未报到核实")).Permission(WORK_STATION, obj=_person).Next(this.refusal_gate)
    refusal_gate = (
        flow.If(lambda activation: activation.process.data.get("legitimate_reason"))
        .Then(this.report_in)
        .Else(this.handover)
    )
    handover = _step(_("移交公安")).Permission(WORK_STATION, obj=_person).Next(this.police_decision)
    police_decision = _step(_("公安接收并决定")).Permission(POLICE, obj=_person).Next(this.decision_gate)
    decision_gate = (
        flow.If(lambda activation: activation.process.data.get("compulsory"))
        .Then(this.end)
        .Else(this.report_in)
    )
    agreement = _step(_("签订协议")).Permission(WORK_STATION, obj=_person).Next(this.plan)
    plan = _step(_("制定计划")).Permission(WORK_STATION, obj=_person).Next(this.team)
    team = _step(_("组建帮教小组")).Permission(WORK_STATION, obj=_person).Next(this.end)
    end = flow.End()

    def start_process(self, activation, episode):
        activation.process.artifact = episode
        activation.process.save()
        return activation.process


class FollowUpFlow(flow.Flow):
    """A positive, refused or evaded test opens a follow-up for the work station at once (戒毒条例 art 21)."""

    process_class = EpisodeProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("异常检测处置")

    start = flow.StartHandle(this.start_process).Next(this.review)
    review = _step(_("处置异常检测结果")).Permission(WORK_STATION, obj=_person).Next(this.end)
    end = flow.End()

    def start_process(self, activation, episode, drug_test):
        activation.process.artifact = episode
        activation.process.data = {"drug_test_id": drug_test.pk, "result": drug_test.result}
        activation.process.save()
        return activation.process


# --- Breach hand-over and absence approval ------------------------------
# Step pages and handlers: workflows.branches.breaches / workflows.branches.absences, registered in workflows.registry.


class BreachHandOverFlow(flow.Flow):
    """Serious breach or relapse: the work station hands the case to the police station, which decides.

    戒毒条例 arts 20-21 (report promptly, the same day by default); 禁毒法 art 38 para 1(2)-(3)
    (the police may decide 强制隔离戒毒) or let the measure continue.
    """

    process_class = EpisodeProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("违反协议移交公安")

    start = flow.StartHandle(this.start_process).Next(this.prepare)
    prepare = _step(_("准备移交材料")).Permission(WORK_STATION, obj=_person).Next(this.receive)
    receive = _step(_("公安接收并决定")).Permission(POLICE, obj=_person).Next(this.end)
    end = flow.End()

    def start_process(self, activation, episode, reason, drug_test_id=None, breach_id=None):
        activation.process.artifact = episode
        activation.process.data = {"reason": reason, "drug_test_id": drug_test_id, "breach_id": breach_id}
        activation.process.save()
        return activation.process


class AbsenceApprovalFlow(flow.Flow):
    """Leave approval where a region requires it (请假, local practice beyond 戒毒条例 art 19(3))."""

    process_class = EpisodeProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("外出审批")

    start = flow.StartHandle(this.start_process).Next(this.decide)
    decide = _step(_("外出审批")).Permission(WORK_STATION, obj=_person).Next(this.end)
    end = flow.End()

    def start_process(self, activation, episode, absence):
        activation.process.artifact = episode
        activation.process.data = {"absence_id": absence.pk}
        activation.process.save()
        return activation.process


# --- Detox certification (脱毒认定, rules.md §3.1) -------------------------------------
# Supervisors (禁毒办) hold no grants: they see persons by region path. The approve step is
# therefore checked by the node itself (region path prefix), and its owner_permission is a marker
# that permissions.selectors.actionable_tasks matches for supervisors (same literal there).
SUPERVISOR = "casework.supervise_region"


def supervises_township(user, township) -> bool:
    """Return whether the user is a 禁毒办 supervisor whose region covers the township."""
    from permissions.selectors import supervisor_region_path

    region_path = supervisor_region_path(user)
    return region_path is not None and township.path.startswith(region_path)


class RegionSupervisorView(flow.View):
    """A human step for the supervisor over the episode's township (no guardian grant involved)."""

    def _supervises(self, user, task) -> bool:
        from casework.models import Episode

        if user is None or user.is_anonymous:
            return False
        episode = (
            Episode.objects.select_related("township").filter(pk=task.process.artifact_object_id).first()
        )
        return episode is not None and supervises_township(user, episode.township)

    def can_assign(self, user, task):
        return not task.owner_id and self._supervises(user, task)

    def can_execute(self, user, task):
        return task.owner_id == getattr(user, "pk", None) and self._supervises(user, task)


class CertificationFlow(flow.Flow):
    """Detox certification: the work station proposes (the start, a page of ours), the supervisor
    approves or returns it. No national procedure exists (rules.md §3.1): the criteria are the
    region's (casework.Region.certification_*); the approval date is recorded and printed."""

    process_class = EpisodeProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("脱毒认定")

    start = flow.StartHandle(this.start_process).Next(this.approve)
    approve = (
        RegionSupervisorView(lambda request, **kwargs: None)
        .Annotation(title=_("审批脱毒认定"))
        .Permission(SUPERVISOR)
        .Next(this.end)
    )
    end = flow.End()

    def start_process(self, activation, certification):
        activation.process.artifact = certification.episode
        activation.process.data = {"certification_id": certification.pk}
        activation.process.save()
        return activation.process


# --- Transfer and completion --------------------------------------------
# Step handlers: workflows.branches.transfers / workflows.branches.completion, registered in workflows.registry.


class TransferFlow(flow.Flow):
    """Change of execution place (戒毒条例 art 22): the receiving work station accepts or declines;
    the person reports at the new place within 15 days and signs a new agreement; time runs on.

    The request is started by a page (workflows.branches.transfers.transfer_request); while it is open the
    receiving work station holds a grant on the person (permissions.services.desired_grants).
    """

    process_class = EpisodeProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("变更执行地")

    start = flow.StartHandle(this.start_process).Next(this.accept_or_decline)
    accept_or_decline = (
        _step(_("接收或拒绝变更执行地")).Permission(WORK_STATION, obj=_person).Next(this.accepted_gate)
    )
    accepted_gate = (
        flow.If(lambda activation: activation.process.data.get("accepted"))
        .Then(this.report_at_new_place)
        .Else(this.end)
    )
    report_at_new_place = _step(_("新执行地报到")).Permission(WORK_STATION, obj=_person).Next(this.agreement)
    agreement = _step(_("重新签订协议")).Permission(WORK_STATION, obj=_person).Next(this.team)
    team = _step(_("组建新帮教小组")).Permission(WORK_STATION, obj=_person).Next(this.end)
    end = flow.End()

    def start_process(self, activation, episode, transfer):
        activation.process.artifact = episode
        activation.process.data = {"transfer_id": transfer.pk}
        activation.process.save()
        return activation.process


class CompletionFlow(flow.Flow):
    """Normal completion (戒毒条例 arts 23, 40): before expiry the work station sends the file to the
    police; on or after the end date the police station records the notice of release.

    Started by the daily scan (workflows.branches.completion.completions_open), once per episode.
    """

    process_class = EpisodeProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("期满解除")

    start = flow.StartHandle(this.start_process).Next(this.prepare_file)
    prepare_file = _step(_("期满前移送材料")).Permission(WORK_STATION, obj=_person).Next(this.release_notice)
    release_notice = _step(_("出具解除通知书")).Permission(POLICE, obj=_person).Next(this.end)
    end = flow.End()

    def start_process(self, activation, episode):
        activation.process.artifact = episode
        activation.process.data = {}
        activation.process.save()
        return activation.process
