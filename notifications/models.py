"""Messages in each user's 消息 list: the daily digest, escalations and schedule warnings."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from casework.choice_labels import ChoiceLabels
from casework.models import Obligation


class Notification(ChoiceLabels):
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
        REFERRAL = "referral", _("新的转介")
        TITLE_CHECK = "title", _("无毒社区审核逾期")

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
    # A referral's arrival is a message to each user of the receiving 人社所 or 民政办.
    referral = models.ForeignKey(
        "casework.Referral",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("转介"),
    )
    text = models.CharField(_("内容"), max_length=300)
    created_on = models.DateField(_("日期"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        db_table = "workflows_notification"
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        ordering = ["-created_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "created_on"],
                # A title check's escalation is one message per application (its timer fires
                # once), so several on the same day must not collide here.
                condition=models.Q(obligation__isnull=True, referral__isnull=True) & ~models.Q(kind="title"),
                name="notification_once_a_day",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "referral"],
                condition=models.Q(referral__isnull=False),
                name="notification_once_per_referral",
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
