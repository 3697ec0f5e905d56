"""The title's life (django-viewflow): a community's application, the township 禁毒办's check and
镇级 naming, the county 禁毒办's 县级 decision, then a re-assessment every year (巩固) that keeps
or revokes the title (seed text 第三篇 四(一), 六(四)).

Each human step names the level that does it; `drugfree.services` checks the user's level and
region before it completes the step under the flow's row lock. viewflow's own frontend is
not mounted: the programme's pages list the steps through `drugfree.selectors`.

The township check has a deadline (`Application.check_due`, the region's `check_days`, 30 days by
default). When it passes with the check still open, a timer on the same sweep as intake's
(`manage.py workflow_timers`, the Celery beat entry) tells the county 禁毒办 over the township and
flags the application; the check stays open for the township, because the escalation informs and
does not decide.
"""

from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from drugfree.models import TitleProcess
from drugfree.overdue import check_overdue_escalate

# Markers, not model permissions: who may do a step is the user's level over the community,
# decided in `drugfree.services.step_allowed`.
TOWNSHIP = "drugfree.township_office"
COUNTY = "drugfree.county_office"


def _step(title):
    # The node's view is never routed; drugfree.views renders the step and drugfree.services completes it.
    return flow.View(lambda request, **kwargs: None).Annotation(title=title)


def check_deadline_passed(activation):
    """Return the moment the check deadline has passed: the start of the day after it."""
    due = activation.process.artifact.check_due
    return timezone.make_aware(datetime.combine(due + timedelta(days=1), time.min))


class TitleFlow(flow.Flow):
    """Application → township check and 镇级 naming → county 县级 decision → yearly re-assessment."""

    process_class = TitleProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("无毒社区创建命名")

    start = flow.StartHandle(this.start_process).Next(this.check)
    check = (
        _step(_("乡镇禁毒办审核命名"))
        .Permission(TOWNSHIP)
        # Not interrupting: the check stays the township's to do after the county is told.
        .OnTimeout(check_deadline_passed, this.check_overdue, interrupting=False, title=_("审核逾期"))
        .Next(this.check_gate)
    )
    check_overdue = flow.Function(this.escalate_check).Next(this.check_overdue_end)
    # A plain end: it finishes the process only when no other task is open, so the check goes on.
    check_overdue_end = flow.End()
    check_gate = (
        flow.If(lambda activation: activation.process.data.get("named")).Then(this.county).Else(this.end)
    )
    county = _step(_("县禁毒办县级命名")).Permission(COUNTY).Next(this.review)
    review = _step(_("年度复核")).Permission(TOWNSHIP).Next(this.review_gate)
    review_gate = (
        flow.If(lambda activation: activation.process.data.get("kept")).Then(this.review).Else(this.end)
    )
    end = flow.End()

    def start_process(self, activation, application):
        activation.process.artifact = application
        activation.process.save()
        return activation.process

    def escalate_check(self, activation):
        check_overdue_escalate(application=activation.process.artifact)


STEP_LEVEL = {"check": TOWNSHIP, "county": COUNTY, "review": TOWNSHIP}
