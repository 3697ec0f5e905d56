"""The township check left open past its deadline: the write the flow's timer does.

Its own module because `drugfree.flows` calls it and `drugfree.services` imports the flow.
"""

from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from casework.models import Region
from drugfree.models import Application
from notifications.models import Notification
from notifications.services import drug_control_notify


def check_overdue_escalate(*, application: Application, on: date | None = None) -> int:
    """The check's deadline passed with the check open: flag the application and tell the county
    禁毒办 over its township, once. Return the number of messages written.

    Run by `TitleFlow.check_overdue` when the timer fires. The check itself is untouched: the
    township still names or rejects, the county is only told (seed text 第三篇 四(一): the
    township checks and names, the county names 县级 from among them).
    """
    on = on or timezone.localdate()
    if not Application.objects.filter(
        pk=application.pk, status=Application.Status.APPLIED, check_escalated_on__isnull=True
    ).update(check_escalated_on=on):
        return 0
    township = Region.objects.get_parent(application.community)
    county = Region.objects.get_parent(township)
    text = _(
        "%(township)s%(community)s %(year)d 年度无毒社区申报已过审核期限（%(due)s）仍未审核，请督办。"
    ) % {
        "township": township.name,
        "community": application.community.name,
        "year": application.year,
        "due": application.check_due.isoformat(),
    }
    return drug_control_notify(county.pk, text, kind=Notification.Kind.TITLE_CHECK)
