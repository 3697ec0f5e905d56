"""Reminder items the daily scan opens when an obligation falls overdue, and the record of each scan."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.choice_labels import ChoiceLabels
from casework.models import Obligation


class Reminder(ChoiceLabels):
    """An item for the responsible staff: an obligation has fallen overdue."""

    class Kind(models.TextChoices):
        OVERDUE = "overdue", _("已逾期")

    obligation = models.ForeignKey(Obligation, models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OVERDUE)
    created_on = models.DateField(_("日期"))
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "workflows_reminder"
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        constraints = [models.UniqueConstraint(fields=["obligation", "kind"], name="reminder_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.obligation_id}"


class ScanRun(ChoiceLabels):
    """One run of the daily overdue scan that changed something: what it changed, and how far it has read.

    `last_obligation_id` is the newest obligation the run had seen. Obligations are written
    overdue outside the scan only when they are new rows (a caseload import), so the next run
    looks for overdue rows without a reminder among newer ids only, instead of every overdue row
    in the country.
    """

    as_of = models.DateField(_("扫描日期"))
    marked = models.PositiveIntegerField(_("标记逾期"))
    reminders = models.PositiveIntegerField(_("新提醒"))
    last_obligation_id = models.BigIntegerField()
    # The county a run was restricted to (blank: every county). A county's run reads on from the
    # newest mark that covered it: its own last run's or the last run over every county's.
    county = models.ForeignKey(
        "casework.Region", models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("区县")
    )
    seconds = models.FloatField(_("用时（秒）"))
    finished_at = models.DateTimeField(_("完成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("逾期扫描")
        verbose_name_plural = _("逾期扫描")

    def __str__(self) -> str:
        return f"{self.as_of}: {self.marked}/{self.reminders}"
