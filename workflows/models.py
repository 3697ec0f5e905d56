"""Process records of the flows, and reminder items opened by the daily scan."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from casework.models import Episode, Obligation


class EpisodeProcess(Process):
    """A flow run about one episode: the episode is the process's artifact (an integer key)."""

    class Meta:
        proxy = True
        verbose_name = _("流程")
        verbose_name_plural = _("流程")

    @property
    def episode(self) -> Episode:
        return self.artifact


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
        verbose_name = _("提醒")
        verbose_name_plural = _("提醒")
        constraints = [models.UniqueConstraint(fields=["obligation", "kind"], name="reminder_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.obligation_id}"


# --- Issue 6: in-app notifications and stored monthly reports (helper h4) -----------------------


class Notification(models.Model):
    """A message in the user's 消息 list, written by the daily run (`notifications_send`).

    One digest a user a day (counts of items due within 3 days and overdue), and one
    escalation a recipient an obligation (rules.md §2.3: the reminder ladder). The unique
    constraints make a second run on the same day write nothing.
    """

    class Kind(models.TextChoices):
        DUE = "due", _("即将到期")
        OVERDUE = "overdue", _("已逾期")
        ESCALATION = "escalation", _("逾期督办")
        DIGEST = "digest", _("每日待办汇总")
        SCHEDULE = "schedule", _("检测频次不足")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications", verbose_name=_("接收人")
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    obligation = models.ForeignKey(
        Obligation,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("事项"),
    )
    text = models.CharField(_("内容"), max_length=300)
    created_on = models.DateField(_("日期"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "created_on"],
                condition=models.Q(obligation__isnull=True),
                name="notification_once_a_day",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "obligation"],
                condition=models.Q(obligation__isnull=False),
                name="notification_once_per_obligation",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_on", "-id"], name="notification_user_list_idx"),
            models.Index(
                fields=["user"], condition=models.Q(read_at__isnull=True), name="notification_unread_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.text


class MonthlyReport(models.Model):
    """The A4 PDF monthly report of one township, generated on the 1st for the month before."""

    township = models.ForeignKey(
        "casework.Region", models.CASCADE, related_name="monthly_reports", verbose_name=_("乡镇(街道)")
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    file = models.FileField(_("文件"), upload_to="reports/monthly/%Y/%m/")
    # Persons named in the report (the longest-overdue items): a download logs a read of each.
    person_ids = models.JSONField(_("报告中列出的人员"), default=list, blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("月度报告")
        verbose_name_plural = _("月度报告")
        ordering = ["-month", "township_id"]
        constraints = [
            models.UniqueConstraint(fields=["township", "month"], name="monthlyreport_unique_month"),
        ]

    def __str__(self) -> str:
        return f"{self.township_id} {self.month:%Y-%m}"


class FormSubmission(models.Model):
    """A record form that was saved, by the key its page was rendered with.

    The second post of the same rendered form (a double click, a resent request) finds its
    key here and answers "already recorded" with a link, instead of saving a second record.
    """

    key = models.UUIDField(_("表单标识"), unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    record_url = models.CharField(_("记录地址"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("已提交表单")
        verbose_name_plural = _("已提交表单")

    def __str__(self) -> str:
        return str(self.key)
