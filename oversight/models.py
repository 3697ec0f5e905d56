"""Stored monthly reports of the townships (the A4 PDF generated on the 1st)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.choice_labels import ChoiceLabels


class MonthlyReport(ChoiceLabels):
    """The A4 PDF monthly report of one township, generated on the 1st for the month before, or in
    the background when a supervisor asks for a month not stored yet (the row then shows progress)."""

    class Status(models.TextChoices):
        MAKING = "making", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    township = models.ForeignKey(
        "casework.Region", models.CASCADE, related_name="monthly_reports", verbose_name=_("乡镇(街道)")
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.DONE)
    file = models.FileField(_("文件"), upload_to="reports/monthly/%Y/%m/", blank=True)
    # Persons named in the report (the longest-overdue items): a download logs a read of each.
    person_ids = models.JSONField(_("报告中列出的人员"), default=list, blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    # When the file was last made (a report of a month in progress is stale the next day) and
    # when the background run began (a run that died leaves the row "making" past MAKING_TIMEOUT).
    made_at = models.DateTimeField(_("文件生成时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始生成时间"), null=True, blank=True)
    error = models.CharField(_("错误"), max_length=300, blank=True)

    class Meta:
        db_table = "workflows_monthlyreport"
        verbose_name = _("月度报告")
        verbose_name_plural = _("月度报告")
        ordering = ["-month", "township_id"]
        constraints = [
            models.UniqueConstraint(fields=["township", "month"], name="monthlyreport_unique_month"),
        ]

    def __str__(self) -> str:
        return f"{self.township_id} {self.month:%Y-%m}"
