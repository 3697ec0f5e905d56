"""The record of each caseload file brought in, and of each township archive of case files taken out."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.choice_labels import ChoiceLabels
from casework.models import Region


class CaseloadImport(ChoiceLabels):
    """One uploaded caseload file: kept from the preview to the commit, then as the record of who
    brought which file in (the file's digest tells a second upload of the same file)."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("已预览")
        COMMITTED = "committed", _("已导入")
        UNCHANGED = "unchanged", _("无变化")

    township = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("乡镇(街道)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("导入人")
    )
    file_name = models.CharField(_("文件名"), max_length=200)
    sha256 = models.CharField(_("文件摘要"), max_length=64)
    content = models.BinaryField(_("文件内容"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    summary = models.JSONField(_("结果"), default=dict, blank=True)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    committed_at = models.DateTimeField(_("导入时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("名册导入")
        verbose_name_plural = _("名册导入")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name


class CaseFileArchive(ChoiceLabels):
    """A township's case files as one zip, built in the background; its progress is shown on the page."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    township = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("乡镇(街道)"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    reason = models.CharField(_("导出理由"), max_length=200)
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    person_ids = models.JSONField(_("人员"), default=list)
    total = models.PositiveIntegerField(_("人数"), default=0)
    done = models.PositiveIntegerField(_("已生成"), default=0)
    file = models.FileField(_("文件"), upload_to="casefiles/%Y/%m/", blank=True)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("卷宗批量导出")
        verbose_name_plural = _("卷宗批量导出")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.township} {self.created_at:%Y-%m-%d}"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else (100 if self.status == "done" else 0)
