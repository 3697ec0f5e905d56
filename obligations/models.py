"""Reminder items the daily scan opens when an obligation falls overdue."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.models import Obligation


class Reminder(models.Model):
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
