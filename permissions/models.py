"""Who may see what: guardian's direct-FK grant tables on Person, the party x
record-type matrix, and the append-only access log."""

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from casework.choice_labels import ChoiceLabels
from casework.models import Person


class PersonUserObjectPermission(UserObjectPermissionBase):
    """A grant to one user (a help-team member) on one person."""

    content_object = models.ForeignKey(Person, models.CASCADE)
    # Three indexes, not six: the unique (user, permission, person) also serves every lookup by
    # user or by user and permission, and the person's index the reverse; a separate index per
    # foreign key and a copy of the unique one only cost each of the ~35 grant rows a person has.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, db_index=False)
    permission = models.ForeignKey(Permission, models.CASCADE, db_index=False)
    # A help-team grant ends with the membership: the door compares it with today in the same
    # query, so an end date entered in advance takes effect on its day without a re-sync.
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("人员授权(个人)")
        verbose_name_plural = _("人员授权(个人)")


class PersonGroupObjectPermission(GroupObjectPermissionBase):
    """A grant to an agency's group on one person."""

    content_object = models.ForeignKey(Person, models.CASCADE)
    # As for the user grants: the unique (group, permission, person) and the person's index.
    group = models.ForeignKey(Group, models.CASCADE, db_index=False)
    permission = models.ForeignKey(Permission, models.CASCADE, db_index=False)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("人员授权(单位)")
        verbose_name_plural = _("人员授权(单位)")


class Party(models.TextChoices):
    """The parties whose access the matrix decides: the team roles plus supervisors."""

    COMMUNITY = "community", _("社区/社工")
    POLICE = "police", _("派出所")
    JUDICIAL = "judicial", _("司法所")
    FAMILY = "family", _("家庭")
    CIVIL_AFFAIRS = "civil_affairs", _("民政")
    HUMAN_RESOURCES = "human_resources", _("人社")
    SUPERVISOR = "supervisor", _("禁毒办(督导)")


class RecordType(models.TextChoices):
    """Kinds of record about a person; identity is implied by seeing the person at all."""

    DRUGTEST = "drugtest", _("检测记录")
    TALK = "talk", _("谈话走访内容")
    ABSENCE = "absence", _("外出请假")
    VIOLATION = "violation", _("违规记录")
    TRAINING = "training", _("培训就业")
    ASSISTANCE = "assistance", _("救助")
    LEGALAID = "legalaid", _("法律援助")
    IDENTIFIERS = "identifiers", _("完整证件号和电话")
    # Editing the file's identity part (name, numbers, addresses, drug history, guarantor).
    IDENTITY = "identity", _("修改身份信息")


class RecordAccessRule(ChoiceLabels):
    """One cell of the matrix: this party may read this record type."""

    party = models.CharField(_("参与方"), max_length=20, choices=Party.choices)
    record_type = models.CharField(_("记录类型"), max_length=20, choices=RecordType.choices)

    class Meta:
        verbose_name = _("记录类型授权")
        verbose_name_plural = _("记录类型授权(矩阵)")
        ordering = ["party", "record_type"]
        constraints = [
            models.UniqueConstraint(fields=["party", "record_type"], name="recordaccessrule_unique_cell")
        ]

    def __str__(self) -> str:
        return f"{self.get_party_display()} → {self.get_record_type_display()}"


class AccessLog(ChoiceLabels):
    """One read of a person's record, or one call of the API with a token that read no person.
    Append-only: the app never updates or deletes a row.

    Each row carries a hash chained to the previous row's, computed by a database trigger on
    every INSERT (see access_log_chain), so no write path of the app can skip it.
    """

    class Action(models.TextChoices):
        DETAIL = "detail", _("查看档案")
        ACCESS_TAB = "access", _("查看授权")
        REVEAL = "reveal", _("查看完整号码")
        EXPORT = "export", _("导出")
        PRINT = "print", _("打印")
        LIST = "list", _("列表")
        # A token's call that read no person (my work, figures, a refused request): the row
        # without a person says which token was used, by whom, from where and for what; its
        # reason holds the call's method and answer ("GET 200").
        API_CALL = "api", _("接口调用")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("用户")
    )
    # The chain's hash covers this value to the microsecond, as stored.
    at = models.DateTimeField(_("时间"), default=timezone.now, editable=False, db_index=True)
    # No FK constraint: the log outlives the records it describes. Empty for a token's call
    # that read no person.
    person = models.ForeignKey(
        Person,
        models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("人员"),
    )
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    record_types = models.CharField(_("记录类型"), max_length=200, blank=True)
    reason = models.CharField(_("理由"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    path = models.CharField(_("地址"), max_length=300, blank=True)
    # The name of the API token the read came with (empty for a browser session); the hash
    # chain covers it, so a row cannot be moved from one token to another unseen.
    token_name = models.CharField(_("接口令牌"), max_length=60, blank=True)
    row_hash = models.CharField(_("校验值"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("访问记录")
        verbose_name_plural = _("访问记录")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["person", "-at"], name="accesslog_person_at_idx"),
            models.Index(fields=["user", "-at"], name="accesslog_user_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_action_display()} {self.person_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("access log rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("access log rows are append-only")


class AccessLogAnchor(ChoiceLabels):
    """Where the access log's hash chain continues from after the retention dropped its oldest
    months: the id and hash of the last row dropped (permissions.partitions). Written only by the
    retention's SQL function; the newest anchor is the chain's start for verify_access_log."""

    last_id = models.BigIntegerField(_("最后一条的编号"), unique=True)
    row_hash = models.CharField(_("校验值"), max_length=64)
    partition = models.CharField(_("删除的分区"), max_length=63)
    created_at = models.DateTimeField(_("删除时间"), default=timezone.now)

    class Meta:
        verbose_name = _("访问记录链起点")
        verbose_name_plural = _("访问记录链起点")
        ordering = ["-last_id"]

    def __str__(self) -> str:
        return f"{self.partition} → {self.last_id}"
