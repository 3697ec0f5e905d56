"""The life-cycle flows (django-viewflow). Each human step is a View node with a permission
tied to the episode's person; the forms and pages for the steps are in `workflows.tasks`.

viewflow's own frontend is not mounted: every page that shows a task is ours and reads
through `permissions`, so no viewflow list can leak a row (viewflow-guardian.md §4.2).
"""

from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from .models import EpisodeProcess

WORK_STATION = "casework.act_work_station"
POLICE = "casework.act_police"


def _person(process):
    return process.artifact.person


def _step(title):
    # The node's own view is never routed; workflows.tasks renders and completes the step.
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
