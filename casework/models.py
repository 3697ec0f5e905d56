"""The records: regions, agencies, staff, persons, episodes, help teams, case events."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from .choice_labels import ChoiceLabels
from .idnumber import mask_id_number, mask_phone
from .search_keys import person_keys_fill


class DayCount(models.TextChoices):
    """How a deadline counts its days: every day, or working days of the national calendar."""

    CALENDAR = "calendar", _("自然日")
    WORKING = "working", _("工作日")


# A period of 0 or fewer days is no period: the form says so instead of saving a deadline of today.
AT_LEAST_ONE_DAY = MinValueValidator(1, message=_("天数至少为1天。"))


class Region(ChoiceLabels, MP_Node):
    """A county (区县), township or street (乡镇/街道), or community or village (社区/村).

    A materialised path: the subtree of a region is ``path__startswith``, one
    indexed filter.
    """

    class Level(models.TextChoices):
        COUNTY = "county", _("区县")
        TOWNSHIP = "township", _("乡镇/街道")
        COMMUNITY = "community", _("社区/村")

    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    level = models.CharField(_("层级"), max_length=12, choices=Level.choices)
    # Local rules that vary by place (rules.md §1.3, §1.11); blank inherits from the parent.
    report_deadline_days = models.PositiveSmallIntegerField(
        _("报到期限(天)"),
        null=True,
        blank=True,
        validators=[AT_LEAST_ONE_DAY],
        help_text=_("留空则沿用上级设置，默认15天"),
    )
    report_deadline_count = models.CharField(
        _("报到期限计算方式"),
        max_length=8,
        choices=DayCount.choices,
        blank=True,
        help_text=_("留空则沿用上级设置，默认按自然日"),
    )
    suspension_pauses_clock = models.BooleanField(
        _("中止期间暂停计算期限"), null=True, blank=True, help_text=_("留空则沿用上级设置，默认暂停")
    )
    absence_approval_required = models.BooleanField(
        _("外出须审批(请假)"),
        null=True,
        blank=True,
        help_text=_("留空则沿用上级设置；默认只需书面报告（《戒毒条例》第十九条）"),
    )
    handover_days = models.PositiveSmallIntegerField(
        _("移交公安期限(天)"), null=True, blank=True, help_text=_("留空则沿用上级设置，默认当日(0天)")
    )
    certification_min_months = models.PositiveSmallIntegerField(
        _("脱毒认定最短执行月数"), null=True, blank=True, help_text=_("留空则沿用上级设置，默认12个月")
    )
    certification_negative_tests = models.PositiveSmallIntegerField(
        _("脱毒认定须连续阴性次数"), null=True, blank=True, help_text=_("留空则沿用上级设置，默认6次")
    )
    completion_prep_days = models.PositiveSmallIntegerField(
        _("期满前准备材料提前天数"),
        null=True,
        blank=True,
        validators=[AT_LEAST_ONE_DAY],
        help_text=_("留空则沿用上级设置，默认30天；重庆为期满前7个工作日（《重庆市禁毒条例》第三十七条）"),
    )
    completion_prep_count = models.CharField(
        _("移送材料期限计算方式"),
        max_length=8,
        choices=DayCount.choices,
        blank=True,
        help_text=_("留空则沿用上级设置，默认按自然日"),
    )
    release_notice_days = models.PositiveSmallIntegerField(
        _("期满后通知乡镇期限(天)"),
        null=True,
        blank=True,
        validators=[AT_LEAST_ONE_DAY],
        help_text=_("留空则沿用上级设置，默认7天（《戒毒条例》第二十三、四十条）；重庆为7个工作日"),
    )
    release_notice_count = models.CharField(
        _("通知乡镇期限计算方式"),
        max_length=8,
        choices=DayCount.choices,
        blank=True,
        help_text=_("留空则沿用上级设置，默认按自然日"),
    )
    escalate_head_days = models.PositiveSmallIntegerField(
        _("逾期几天提醒单位负责人"), null=True, blank=True, help_text=_("留空则沿用上级设置，默认3天")
    )
    escalate_supervisor_days = models.PositiveSmallIntegerField(
        _("逾期几天提醒禁毒办"), null=True, blank=True, help_text=_("留空则沿用上级设置，默认7天")
    )
    escalate_referral_days = models.PositiveSmallIntegerField(
        _("转介几天未受理提醒负责人和禁毒办"),
        null=True,
        blank=True,
        help_text=_("留空则沿用上级设置，默认7天"),
    )
    max_extension_days = models.PositiveSmallIntegerField(
        _("期限最多延长天数"),
        null=True,
        blank=True,
        help_text=_("新的报到期限、续假等延长后的日期最晚为今天加此天数；留空则沿用上级设置，默认90天"),
    )

    node_order_by = ["code"]

    class Meta:
        verbose_name = _("行政区域")
        verbose_name_plural = _("行政区域")
        constraints = [
            models.CheckConstraint(
                condition=(
                    (Q(report_deadline_days__isnull=True) | Q(report_deadline_days__gte=1))
                    & (Q(completion_prep_days__isnull=True) | Q(completion_prep_days__gte=1))
                    & (Q(release_notice_days__isnull=True) | Q(release_notice_days__gte=1))
                ),
                name="region_periods_at_least_one_day",
                violation_error_message=_("天数至少为1天。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def paths_above(cls, path: str) -> list[str]:
        """The paths of the region at `path` and of every region above it, the root first."""
        return [path[:i] for i in range(cls.steplen, len(path) + 1, cls.steplen)]


class CalendarDay(ChoiceLabels):
    """A day that breaks the ordinary week in the national calendar: a public holiday (放假), or a
    weekend day worked in exchange (调休上班), as the State Council's yearly notice sets them.

    Every other Monday to Friday is a working day, every other Saturday and Sunday is not.
    Working-day deadlines (casework.deadlines) read this table; it is kept in the admin and
    imported a year at a time (manage.py calendar_import).
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("放假")
        WORKDAY = "workday", _("调休上班")

    day = models.DateField(_("日期"), unique=True, error_messages={"unique": _("该日期已登记。")})
    kind = models.CharField(_("类别"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("节日"), max_length=40, blank=True)
    source = models.CharField(_("来源"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{date_format(self.day)} {self.get_kind_display()} {self.name}".strip()

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        # A 调休 working day makes up for a holiday on a weekend; on a weekday it would change nothing.
        if self.kind == self.Kind.WORKDAY and self.day and self.day.weekday() < 5:
            raise ValidationError({"day": _("调休上班日应为周六或周日。")})


class Agency(ChoiceLabels):
    """An office that takes part in the work, with the region it serves."""

    class Kind(models.TextChoices):
        WORK_STATION = "work_station", _("社区戒毒社区康复工作站")
        POLICE = "police", _("派出所")
        JUDICIAL = "judicial", _("司法所")
        CIVIL_AFFAIRS = "civil_affairs", _("民政办")
        HUMAN_RESOURCES = "human_resources", _("人社所")
        DRUG_CONTROL = "drug_control", _("禁毒办")
        # Not one of the six parties: it holds no grant on any person; it applies for and keeps
        # its community's 无毒社区 title (seed text, 第三篇 四(一) 自行申报).
        COMMUNITY_COMMITTEE = "community_committee", _("村(居)民委员会")

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    region = models.ForeignKey(Region, models.PROTECT, related_name="agencies", verbose_name=_("辖区"))
    group = models.OneToOneField(
        "auth.Group", models.PROTECT, related_name="agency", verbose_name=_("权限组"), editable=False
    )

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        indexes = [models.Index(fields=["kind", "region"], name="agency_kind_region_idx")]

    def __str__(self) -> str:
        return self.name


class Staff(ChoiceLabels):
    """A user's place of work: the agency and the role held there."""

    class Role(models.TextChoices):
        MEMBER = "member", _("工作人员")
        SOCIAL_WORKER = "social_worker", _("禁毒社工")
        OFFICER = "officer", _("民警")
        HEAD = "head", _("负责人")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="staff")
    agency = models.ForeignKey(Agency, models.PROTECT, related_name="staff", verbose_name=_("单位"))
    role = models.CharField(_("岗位"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    phone = models.CharField(_("电话"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def is_supervisor(self) -> bool:
        return self.agency.kind == Agency.Kind.DRUG_CONTROL


class StaffPostEvent(ChoiceLabels):
    """A staff post created, changed or removed, and who did it. Append-only.

    A post decides what a user sees (their agency's grants), so giving one, to oneself above
    all, is an act to be able to audit afterwards; the row keeps the post's agency and role as
    they were, since posts change.
    """

    class Action(models.TextChoices):
        CREATED = "created", _("设立岗位")
        CHANGED = "changed", _("变更岗位")
        DELETED = "deleted", _("撤销岗位")

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("岗位所属用户")
    )
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    message = models.CharField(_("内容"), max_length=300)

    class Meta:
        verbose_name = _("岗位变更记录")
        verbose_name_plural = _("岗位变更记录")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return self.message

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("staff post events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("staff post events are append-only")


class PartyRole(ChoiceLabels):
    """A party of the help team (帮教小组): seeded with the six of the original texts."""

    code = models.SlugField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    agency_kind = models.CharField(_("对应单位类别"), max_length=20, choices=Agency.Kind.choices, blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("帮教小组角色")
        verbose_name_plural = _("帮教小组角色")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class PersonQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        # A bulk insert skips save(): the search keys are filled here instead, so demo data and
        # the spreadsheet import are found like a file registered by hand.
        objs = list(objs)
        for person in objs:
            person_keys_fill(person)
        return super().bulk_create(objs, *args, **kwargs)


class Person(ChoiceLabels):
    """The file (档案) of one person ordered into community detox or rehabilitation."""

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class Education(models.TextChoices):
        NONE = "none", _("未上学")
        PRIMARY = "primary", _("小学")
        JUNIOR = "junior", _("初中")
        SENIOR = "senior", _("高中/中专")
        COLLEGE = "college", _("大专及以上")

    class Employment(models.TextChoices):
        UNEMPLOYED = "unemployed", _("无业")
        EMPLOYED = "employed", _("在业")
        FARMING = "farming", _("务农")
        SELF = "self", _("个体")
        STUDENT = "student", _("在校学生")
        RETIRED = "retired", _("退休")

    class Marital(models.TextChoices):
        SINGLE = "single", _("未婚")
        MARRIED = "married", _("已婚")
        DIVORCED = "divorced", _("离异")
        WIDOWED = "widowed", _("丧偶")

    class Risk(models.TextChoices):
        LOW = "low", _("低风险")
        MEDIUM = "medium", _("中风险")
        HIGH = "high", _("高风险")

    class UseMode(models.TextChoices):
        SMOKING = "smoking", _("烫吸")
        SNORTING = "snorting", _("鼻吸")
        INJECTING = "injecting", _("注射")
        ORAL = "oral", _("口服")
        OTHER = "other", _("其他")

    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    id_number = models.CharField(_("公民身份号码"), max_length=18, unique=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    household_address = models.CharField(_("户籍地址"), max_length=200)
    household_region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("户籍地"))
    residence_address = models.CharField(_("居住地址"), max_length=200)
    residence_region = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("居住地"))
    # The community responsible for the person now: the current episode's community.
    # No index of its own: person_region_name_idx begins with it.
    region = models.ForeignKey(
        Region, models.PROTECT, related_name="persons", verbose_name=_("管辖社区"), db_index=False
    )
    education = models.CharField(_("文化程度"), max_length=10, choices=Education.choices, blank=True)
    employment = models.CharField(_("就业状况"), max_length=12, choices=Employment.choices, blank=True)
    marital_status = models.CharField(_("婚姻状况"), max_length=10, choices=Marital.choices, blank=True)
    drug_types = models.CharField(_("滥用毒品种类"), max_length=100, blank=True)
    use_mode = models.CharField(_("吸食方式"), max_length=10, choices=UseMode.choices, blank=True)
    drug_history = models.TextField(_("吸毒史"), blank=True)
    risk_level = models.CharField(_("风险等级"), max_length=6, choices=Risk.choices, default=Risk.MEDIUM)
    guarantor_name = models.CharField(_("担保人"), max_length=50, blank=True)
    guarantor_relation = models.CharField(_("与本人关系"), max_length=20, blank=True)
    guarantor_phone = models.CharField(_("担保人电话"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Search keys (casework.search_keys), derived from id_number and name on every save.
    id_number_key = models.CharField(_("证件号检索值"), max_length=64, db_index=True, editable=False)
    name_initials = models.CharField(_("姓名拼音首字母"), max_length=100, blank=True, editable=False)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员档案")
        verbose_name_plural = _("人员档案")
        ordering = ["name", "id"]
        permissions = [
            ("view_drugtest", _("查看检测记录")),
            ("view_talk", _("查看谈话走访内容")),
            ("view_absence", _("查看外出请假记录")),
            ("view_violation", _("查看违规记录")),
            ("view_training", _("查看培训就业记录")),
            ("view_assistance", _("查看救助记录")),
            ("view_legalaid", _("查看法律援助记录")),
            ("reveal_identifiers", _("查看完整证件号码和电话")),
            ("edit_identity", _("修改身份信息")),
            ("act_work_station", _("办理工作站事务")),
            ("act_police", _("办理公安事务")),
            ("act_human_resources", _("办理人社事务")),
            ("act_civil_affairs", _("办理民政事务")),
        ]
        indexes = [
            models.Index(fields=["region", "name"], name="person_region_name_idx"),
            # The person list's order and its keyset pages: (name, id), read forward or back.
            models.Index(fields=["name", "id"], name="person_name_pk_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        person_keys_fill(self)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"id_number", "name"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "id_number_key", "name_initials"}
        super().save(*args, **kwargs)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class FamilyMember(ChoiceLabels):
    person = models.ForeignKey(Person, models.CASCADE, related_name="family", verbose_name=_("人员"))
    name = models.CharField(_("姓名"), max_length=50)
    relation = models.CharField(_("关系"), max_length=20)
    phone = models.CharField(_("电话"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")

    def __str__(self) -> str:
        return f"{self.name}（{self.relation}）"


class Episode(ChoiceLabels):
    """One order (决定) of 社区戒毒 or 社区康复, from decision to closing."""

    class Kind(models.TextChoices):
        DETOX = "detox", _("社区戒毒")
        REHAB = "rehab", _("社区康复")

    class Status(models.TextChoices):
        DECIDED = "decided", _("待报到")
        REPORTED = "reported", _("已报到")
        ACTIVE = "active", _("执行中")
        REFUSAL_REPORTED = "refusal_reported", _("逾期未报到已移交")
        VIOLATION_REPORTED = "violation_reported", _("违反协议已移交")
        OUT_OF_COUNTY = "out_of_county", _("外出报备中")
        SUSPENDED = "suspended", _("中止")
        TRANSFER_PENDING = "transfer_pending", _("变更执行地中")
        MISSING = "missing", _("失控")
        COMPLETED = "completed", _("期满解除")
        COMPULSORY = "compulsory", _("强制隔离戒毒")
        TERMINATED = "terminated", _("终止")
        DECEASED = "deceased", _("死亡")

    CLOSED_STATUSES = (Status.COMPLETED, Status.COMPULSORY, Status.TERMINATED, Status.DECEASED)

    class ClosedReason(models.TextChoices):
        """Why an episode ended (戒毒条例 arts 23-24, 40; 禁毒法 art 38; rules.md §1.11)."""

        COMPLETED = "completed", _("期满解除")
        COMPULSORY = "compulsory", _("决定强制隔离戒毒")
        IMPRISONMENT = "imprisonment", _("收监执行刑罚")
        EDUCATION = "education", _("强制性教育措施")
        DECEASED = "deceased", _("死亡")
        LEFT_COUNTRY = "left_country", _("出国(境)")

    # No index of its own, as the township below: episode_person_recent_idx begins with it.
    person = models.ForeignKey(
        Person, models.PROTECT, related_name="episodes", verbose_name=_("人员"), db_index=False
    )
    kind = models.CharField(_("类别"), max_length=5, choices=Kind.choices)
    decision_number = models.CharField(_("决定书文号"), max_length=60)
    decision_date = models.DateField(_("决定日期"))
    issuing_authority = models.CharField(_("决定机关"), max_length=100)
    served_on = models.DateField(_("送达日期"))
    term_months = models.PositiveSmallIntegerField(_("期限(月)"))
    # episode_township_status_idx begins with it.
    township = models.ForeignKey(
        Region, models.PROTECT, related_name="+", verbose_name=_("执行地乡镇(街道)"), db_index=False
    )
    community = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("责任社区"))
    report_deadline = models.DateField(_("报到期限"))
    # The period the deadline was computed from, so every page can say "3个工作日" beside it.
    report_period_days = models.PositiveSmallIntegerField(_("报到期限天数"), null=True, blank=True)
    report_day_count = models.CharField(
        _("报到期限计算方式"), max_length=8, choices=DayCount.choices, blank=True
    )
    reported_on = models.DateField(_("报到日期"), null=True, blank=True)
    start_date = models.DateField(_("起始日期"), null=True, blank=True)
    expected_end_date = models.DateField(_("预计期满日期"), null=True, blank=True)
    paused_days = models.PositiveIntegerField(_("中止天数"), default=0)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DECIDED, db_index=True
    )
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)
    closed_reason = models.CharField(_("结束原因"), max_length=20, choices=ClosedReason.choices, blank=True)
    closed_documents = models.CharField(_("结束依据文书"), max_length=200, blank=True)
    # 戒断三年未复吸 (rules.md §1.12): a relapse recorded during the follow-up after completion.
    relapsed_on = models.DateField(_("复吸日期(解除后)"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("执行记录")
        verbose_name_plural = _("执行记录")
        ordering = ["-decision_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=~Q(status__in=["completed", "compulsory", "terminated", "deceased"]),
                name="episode_one_open_per_person",
                violation_error_message=_("该人员已有未结束的社区戒毒/社区康复。"),
            ),
            models.UniqueConstraint(
                fields=["issuing_authority", "decision_number"],
                name="episode_unique_decision_number",
                violation_error_message=_("该决定书已登记。"),
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="detox", term_months=36) | Q(kind="rehab", term_months__gte=1, term_months__lte=36)
                ),
                name="episode_term_within_law",
                violation_error_message=_("社区戒毒期限为36个月，社区康复期限不超过36个月。"),
            ),
            models.CheckConstraint(
                condition=Q(served_on__gte=models.F("decision_date")),
                name="episode_served_after_decision",
                violation_error_message=_("送达日期不能早于决定日期。"),
            ),
        ]
        indexes = [
            models.Index(fields=["township", "status"], name="episode_township_status_idx"),
            models.Index(fields=["person", "-decision_date"], name="episode_person_recent_idx"),
            # The open episodes of a township nearing their end (the completions a supervisor
            # watches): without it PostgreSQL intersected the township's episodes with every
            # open episode of the country, through the partial unique index above.
            models.Index(
                fields=["township", "expected_end_date"],
                condition=~Q(status__in=["completed", "compulsory", "terminated", "deceased"]),
                name="episode_open_township_end_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.decision_number}"

    @property
    def is_open(self) -> bool:
        return self.status not in self.CLOSED_STATUSES


class TeamMember(ChoiceLabels):
    """A member of an episode's help team, for a period."""

    episode = models.ForeignKey(Episode, models.CASCADE, related_name="team", verbose_name=_("执行记录"))
    role = models.ForeignKey(PartyRole, models.PROTECT, related_name="+", verbose_name=_("角色"))
    # No index of its own: teammember_user_active_idx begins with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="team_memberships",
        verbose_name=_("工作人员账号"),
        db_index=False,
    )
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("帮教小组成员")
        verbose_name_plural = _("帮教小组成员")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(name=""), name="teammember_user_or_name"
            ),
        ]
        indexes = [models.Index(fields=["user", "end_date"], name="teammember_user_active_idx")]

    def __str__(self) -> str:
        return self.name or str(self.user)


class CaseEvent(ChoiceLabels):
    """One line of a person's timeline: who did what, when. Written with the change itself."""

    class Kind(models.TextChoices):
        """Every kind of timeline line. The values are the strings stored since the first
        release; `permissions.kinds.EVENT_RECORD_TYPE` says which record type each one reveals."""

        PERSON_CREATED = "person_created", _("建立档案")
        PERSON_UPDATED = "person_updated", _("修改档案")
        DECISION_REGISTERED = "decision_registered", _("登记决定书")
        REGISTERED = "registered", _("登记决定书(导入)")
        REPORTED = "reported", _("报到(导入)")
        STATUS_CHANGED = "status_changed", _("状态变更")
        DEADLINE_EXTENDED = "deadline_extended", _("延长报到期限")
        REFUSAL_CONFIRMED = "refusal_confirmed", _("逾期未报到核实")
        AGREEMENT = "agreement", _("签订协议")
        PLAN = "plan", _("制定个人计划")
        TEAM = "team", _("帮教小组")
        SCHEDULE = "schedule", _("生成应办事项")
        SCHEDULE_SHORT = "schedule_short", _("检测频次不足")
        OBLIGATION_EXCUSED = "obligation_excused", _("免除应办事项")
        OBLIGATIONS_CLOSED = "obligations_closed", _("结束应办事项")
        DRUG_TEST = "drug_test", _("吸毒检测")
        FOLLOW_UP = "follow_up", _("异常检测处置")
        TALK = "talk", _("谈话走访")
        DRUG_TEST_CORRECTED = "drug_test_corrected", _("更正检测记录")
        DRUG_TEST_VOIDED = "drug_test_voided", _("作废检测记录")
        TALK_CORRECTED = "talk_corrected", _("更正谈话走访记录")
        TALK_VOIDED = "talk_voided", _("作废谈话走访记录")
        ABSENCE_REPORTED = "absence_reported", _("外出报告")
        ABSENCE_AWAY = "absence_away", _("外出")
        ABSENCE_DECIDED = "absence_decided", _("外出审批")
        ABSENCE_EXTENDED = "absence_extended", _("续假")
        ABSENCE_RETURNED = "absence_returned", _("返回销假")
        ABSENCE_UNREPORTED = "absence_unreported", _("未报告外出")
        BREACH_CONFIRMED = "breach_confirmed", _("确认违反协议")
        SERIOUS_BREACH = "serious_breach", _("严重违反协议")
        UNAUTHORISED_EXIT = "unauthorised_exit", _("擅自离开")
        HANDOVER_DUE = "handover_due", _("须移交公安")
        HANDOVER = "handover", _("移交公安")
        POLICE_CONTINUE = "police_continue", _("公安决定继续执行")
        TRANSFER_ACCEPTED = "transfer_accepted", _("接收变更执行地")
        TRANSFER_REPORTED = "transfer_reported", _("在新执行地报到")
        SUSPENSION_START = "suspension_start", _("中止执行")
        SUSPENSION_END = "suspension_end", _("恢复执行")
        EPISODE_CLOSED = "episode_closed", _("执行结束")
        COMPLETION_PREP = "completion_prep", _("期满准备")
        CLOSING_FILE = "closing_file", _("移送期满材料")
        RELAPSE_AFTER_COMPLETION = "relapse_after_completion", _("解除后复吸")
        CERTIFICATION_PROPOSED = "certification_proposed", _("提请脱毒认定")
        CERTIFICATION_APPROVED = "certification_approved", _("脱毒认定通过")
        CERTIFICATION_RETURNED = "certification_returned", _("脱毒认定退回")
        REFERRAL = "referral", _("转介帮扶")
        REFERRAL_ACCEPTED = "referral_accepted", _("转介已受理")
        REFERRAL_DECLINED = "referral_declined", _("转介不予受理")
        REFERRAL_OUTCOME = "referral_outcome", _("转介结果")
        REFERRAL_CLOSED = "referral_closed", _("转介办结")

    # No index of its own: caseevent_person_day_idx begins with it.
    person = models.ForeignKey(
        Person, models.CASCADE, related_name="events", verbose_name=_("人员"), db_index=False
    )
    episode = models.ForeignKey(Episode, models.CASCADE, null=True, blank=True, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    # The day the thing happened (a talk held on 3 March) and the moment it was recorded (5 March,
    # 16:20): the timeline reads by the first, the record of who wrote what when keeps the second.
    happened_on = models.DateField(_("发生日期"), default=timezone.localdate)
    at = models.DateTimeField(_("记录时间"), default=timezone.now)
    kind = models.CharField(_("类型"), max_length=40, choices=Kind.choices)
    message = models.CharField(_("内容"), max_length=300)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        verbose_name = _("事件记录")
        verbose_name_plural = _("事件记录")
        ordering = ["-happened_on", "-at", "-id"]
        indexes = [
            models.Index(fields=["person", "-happened_on", "-at"], name="caseevent_person_day_idx"),
        ]

    def __str__(self) -> str:
        return self.message


class ObligationKind(models.TextChoices):
    """Recurring duties (from the schedule table) and one-off legal deadlines (opened by a flow).

    A one-off deadline is an obligation too, so the daily scan, reminders and the overdue
    audit treat every deadline the same way.
    """

    DRUG_TEST = "drug_test", _("吸毒检测")
    TALK = "talk", _("谈心谈话")
    HOME_VISIT = "home_visit", _("走访")
    HANDOVER = "handover", _("移交公安")
    ABSENCE_BACK = "absence_back", _("外出返回销假")
    TRANSFER_IN = "transfer_in", _("变更执行地后报到")
    CLOSING_FILE = "closing_file", _("期满前移送材料")
    RELEASE = "release", _("解除通知")


RECURRING_KINDS = (ObligationKind.DRUG_TEST, ObligationKind.TALK, ObligationKind.HOME_VISIT)


class ObligationRule(ChoiceLabels):
    """One row of the schedule table: how often an obligation falls due in a programme year.

    A rule without a region is the default; a region's rule overrides it for its subtree.
    """

    region = models.ForeignKey(
        Region,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="obligation_rules",
        verbose_name=_("适用区域"),
    )
    episode_kind = models.CharField(_("类别"), max_length=5, choices=Episode.Kind.choices)
    # The order lengths the row applies to (社区康复 orders run 1 to 36 months); blank is open-ended.
    term_months_min = models.PositiveSmallIntegerField(
        _("适用期限起(月)"), null=True, blank=True, help_text=_("留空则不限；例如2年期社区康复填13至24")
    )
    term_months_max = models.PositiveSmallIntegerField(_("适用期限止(月)"), null=True, blank=True)
    programme_year = models.PositiveSmallIntegerField(_("执行年度"))
    obligation_kind = models.CharField(_("事项"), max_length=12, choices=ObligationKind.choices)
    interval_months = models.PositiveSmallIntegerField(_("间隔(月)"))
    owner_party = models.CharField(_("负责方"), max_length=20, default="community")

    class Meta:
        verbose_name = _("频次规则")
        verbose_name_plural = _("频次规则")
        ordering = ["region_id", "episode_kind", "obligation_kind", "programme_year"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "region",
                    "episode_kind",
                    "programme_year",
                    "obligation_kind",
                    "term_months_min",
                    "term_months_max",
                ],
                name="obligationrule_unique_cell",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=(
                    Q(term_months_min__isnull=True)
                    | Q(term_months_max__isnull=True)
                    | Q(term_months_min__lte=models.F("term_months_max"))
                ),
                name="obligationrule_term_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(programme_year__gte=1, programme_year__lte=3), name="obligationrule_year_1_3"
            ),
            models.CheckConstraint(
                condition=Q(interval_months__gte=1), name="obligationrule_interval_positive"
            ),
        ]

    def __str__(self) -> str:
        terms = ""
        if self.term_months_min or self.term_months_max:
            terms = f" {self.term_months_min or 1}-{self.term_months_max or 36}个月期"
        return f"{self.get_episode_kind_display()}{terms} 第{self.programme_year}年 {self.get_obligation_kind_display()} 每{self.interval_months}个月"

    def term_range(self) -> tuple[int, int]:
        """Return the shortest and longest order this row covers (社区戒毒 orders are all 36 months)."""
        if self.episode_kind == Episode.Kind.DETOX:
            return 36, 36
        return self.term_months_min or 1, self.term_months_max or 36

    def clean(self) -> None:
        """Refuse a row no order could use: an empty range of lengths, a programme year past the
        orders it covers, or an interval longer than the shortest of them (that order would reach
        its end before the first duty of the year fell due)."""
        from django.core.exceptions import ValidationError

        low, high = self.term_range()
        if low < 1 or high > 36:
            raise ValidationError(_("适用期限应在1至36个月之间。"))
        if low > high:
            raise ValidationError({"term_months_max": _("适用期限止不能早于适用期限起。")})
        if not self.programme_year or not self.interval_months:
            return
        # An order of the row's range reaches programme year N only if it is longer than N-1 years.
        shortest = max(low, 12 * (self.programme_year - 1) + 1)
        if shortest > high:
            raise ValidationError(
                {
                    "programme_year": _("%(low)d至%(high)d个月的期限没有第%(year)d年。")
                    % {"low": low, "high": high, "year": self.programme_year}
                }
            )
        if self.interval_months > shortest:
            raise ValidationError(
                {
                    "interval_months": _(
                        "间隔%(interval)d个月长于适用的最短期限%(shortest)d个月：该期限的人员在期满前等不到这一事项。"
                    )
                    % {"interval": self.interval_months, "shortest": shortest}
                }
            )
        overlapping = ObligationRule.objects.filter(
            region_id=self.region_id,
            episode_kind=self.episode_kind,
            programme_year=self.programme_year,
            obligation_kind=self.obligation_kind,
        ).exclude(pk=self.pk)
        bounded = self.term_months_min is not None or self.term_months_max is not None
        for other in overlapping:
            other_bounded = other.term_months_min is not None or other.term_months_max is not None
            if bounded != other_bounded:
                continue  # a row for some lengths and an open-ended fallback may stand together
            other_low, other_high = other.term_range()
            if other_low <= high and low <= other_high:
                raise ValidationError(_("与已有规则“%(other)s”的适用期限重叠。") % {"other": other})


class Obligation(ChoiceLabels):
    """A recurring duty that falls due: a drug test, a talk, a home visit."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待办")
        DONE = "done", _("已完成")
        OVERDUE = "overdue", _("已逾期")
        EXCUSED = "excused", _("已免除")
        MISSED = "missed", _("未完成")

    OPEN_STATUSES = (Status.PENDING, Status.OVERDUE)

    # The episode, the person and the township have no index of their own: the unique sequence,
    # obligation_person_status_idx and obligation_township_due_idx begin with them, and an obligation
    # row is written tens of times per person (every index is paid for on each).
    episode = models.ForeignKey(
        Episode, models.CASCADE, related_name="obligations", verbose_name=_("执行记录"), db_index=False
    )
    person = models.ForeignKey(
        Person, models.CASCADE, related_name="obligations", verbose_name=_("人员"), db_index=False
    )
    kind = models.CharField(_("事项"), max_length=12, choices=ObligationKind.choices)
    sequence = models.PositiveSmallIntegerField(_("序号"))
    programme_year = models.PositiveSmallIntegerField(_("执行年度"))
    due_from = models.DateField(_("可办理起"))
    due_by = models.DateField(_("截止日期"))
    # For a one-off legal deadline: the period it was computed from ("7个工作日"); blank for a
    # recurring duty, whose date comes from the schedule table.
    period_days = models.PositiveSmallIntegerField(_("期限天数"), null=True, blank=True)
    day_count = models.CharField(_("期限计算方式"), max_length=8, choices=DayCount.choices, blank=True)
    owner_party = models.CharField(_("负责方"), max_length=20, default="community")
    township = models.ForeignKey(
        Region, models.PROTECT, related_name="+", verbose_name=_("执行地"), db_index=False
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    excused_reason = models.CharField(_("免除理由"), max_length=200, blank=True)
    excused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("批准人"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("应办事项")
        verbose_name_plural = _("应办事项")
        ordering = ["due_by", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "kind", "sequence"], name="obligation_unique_sequence"
            ),
            models.UniqueConstraint(
                fields=["episode", "kind"],
                condition=Q(status__in=["pending", "overdue"]),
                name="obligation_one_open_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(due_from__lte=models.F("due_by")), name="obligation_window_ordered"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_by"], name="obligation_status_due_idx"),
            models.Index(fields=["person", "status"], name="obligation_person_status_idx"),
            models.Index(fields=["township", "status", "due_by"], name="obligation_township_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.sequence} {date_format(self.due_by)}"


class StandingRecords(models.Manager):
    """The records that stand: a voided test or talk is kept (with who voided it and why) but
    counts nowhere, so every count, rate and list reads through this manager by default."""

    def get_queryset(self):
        return super().get_queryset().filter(voided_on__isnull=True)


class VoidableRecord(ChoiceLabels):
    """A saved test or talk can be voided with a reason (obligations.services.record_void)."""

    voided_on = models.DateField(_("作废日期"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("作废人"),
    )
    void_reason = models.CharField(_("作废理由"), max_length=200, blank=True)

    all_records = models.Manager()
    objects = StandingRecords()

    class Meta:
        abstract = True
        # Counting reads the standing records; Django's own fetches (a related object, a save)
        # and `all_records` see every row.
        default_manager_name = "objects"
        base_manager_name = "all_records"


class DrugTest(VoidableRecord):
    """One drug test (吸毒检测), scheduled or ad hoc (吸毒检测程序规定 arts 7-8)."""

    class Sample(models.TextChoices):
        URINE = "urine", _("尿液")
        HAIR = "hair", _("毛发")
        BLOOD = "blood", _("血液")
        SALIVA = "saliva", _("唾液")

    class Method(models.TextChoices):
        ON_SITE = "on_site", _("现场检测")
        LAB = "lab", _("实验室检测")

    class Result(models.TextChoices):
        NEGATIVE = "negative", _("阴性")
        POSITIVE = "positive", _("阳性")
        REFUSED = "refused", _("拒绝检测")
        EVADED = "evaded", _("逃避检测")
        INVALID = "invalid", _("无效")

    FOLLOW_UP_RESULTS = (Result.POSITIVE, Result.REFUSED, Result.EVADED)

    episode = models.ForeignKey(
        Episode, models.PROTECT, related_name="drug_tests", verbose_name=_("执行记录")
    )
    # No index of its own: drugtest_person_date_idx begins with it.
    person = models.ForeignKey(
        Person, models.PROTECT, related_name="drug_tests", verbose_name=_("人员"), db_index=False
    )
    obligation = models.OneToOneField(
        Obligation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="drug_test",
        verbose_name=_("对应事项"),
    )
    tested_on = models.DateField(_("检测日期"))
    place = models.CharField(_("检测地点"), max_length=100)
    sample_type = models.CharField(_("样本"), max_length=8, choices=Sample.choices, default=Sample.URINE)
    method = models.CharField(_("方式"), max_length=8, choices=Method.choices, default=Method.ON_SITE)
    kit_batch = models.CharField(_("试剂批号"), max_length=40, blank=True)
    result = models.CharField(_("结果"), max_length=10, choices=Result.choices)
    substances = models.CharField(_("检出物质"), max_length=100, blank=True)
    collector_1 = models.CharField(_("采样人1"), max_length=50)
    collector_1_sex = models.CharField(_("采样人1性别"), max_length=1, choices=Person.Sex.choices)
    collector_2 = models.CharField(_("采样人2"), max_length=50)
    collector_2_sex = models.CharField(_("采样人2性别"), max_length=1, choices=Person.Sex.choices)
    seal_a = models.CharField(_("A样封签号"), max_length=40, blank=True)
    seal_b = models.CharField(_("B样封签号"), max_length=40, blank=True)
    notified_on = models.DateField(_("告知日期"), null=True, blank=True)
    other_locality = models.BooleanField(_("异地检测"), default=False)
    ad_hoc = models.BooleanField(_("临时抽检"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta(VoidableRecord.Meta):
        verbose_name = _("吸毒检测")
        verbose_name_plural = _("吸毒检测")
        ordering = ["-tested_on", "-id"]
        indexes = [models.Index(fields=["person", "-tested_on"], name="drugtest_person_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(result="positive") | ~Q(substances=""),
                name="drugtest_positive_names_substances",
            ),
        ]

    def __str__(self) -> str:
        return f"{date_format(self.tested_on)} {self.get_result_display()}"


class Talk(VoidableRecord):
    """A counselling talk, home visit or phone call; the summary is confidential to some parties."""

    class Kind(models.TextChoices):
        TALK = "talk", _("谈心谈话")
        HOME_VISIT = "home_visit", _("走访/家访")
        PHONE = "phone", _("电话")

    episode = models.ForeignKey(Episode, models.PROTECT, related_name="talks", verbose_name=_("执行记录"))
    # No index of its own: talk_person_date_idx begins with it.
    person = models.ForeignKey(
        Person, models.PROTECT, related_name="talks", verbose_name=_("人员"), db_index=False
    )
    obligation = models.OneToOneField(
        Obligation, models.PROTECT, null=True, blank=True, related_name="talk", verbose_name=_("对应事项")
    )
    held_on = models.DateField(_("日期"))
    kind = models.CharField(_("方式"), max_length=12, choices=Kind.choices, default=Kind.TALK)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("工作人员")
    )
    place = models.CharField(_("地点"), max_length=100, blank=True)
    summary = models.TextField(_("谈话内容"))
    follow_up = models.TextField(_("后续措施"), blank=True)
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta(VoidableRecord.Meta):
        verbose_name = _("谈话走访")
        verbose_name_plural = _("谈话走访")
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["person", "-held_on"], name="talk_person_date_idx")]

    def __str__(self) -> str:
        return f"{date_format(self.held_on)} {self.get_kind_display()}"


class ReportingIn(ChoiceLabels):
    """The person reported in (报到) at the work station (戒毒条例 arts 14, 38)."""

    episode = models.OneToOneField(
        Episode, models.CASCADE, related_name="reporting_in", verbose_name=_("执行记录")
    )
    reported_on = models.DateField(_("报到日期"))
    documents = models.CharField(_("收到材料"), max_length=200, blank=True)
    decision_photo = models.FileField(_("决定书照片"), upload_to="decisions/%Y/%m/", blank=True)
    on_time = models.BooleanField(_("按期报到"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("报到登记")
        verbose_name_plural = _("报到登记")

    def __str__(self) -> str:
        return f"{date_format(self.reported_on)} 报到"


class Agreement(ChoiceLabels):
    """The 社区戒毒/社区康复 agreement (戒毒条例 art 16); re-signed after a transfer (art 22)."""

    episode = models.ForeignKey(
        Episode, models.CASCADE, related_name="agreements", verbose_name=_("执行记录")
    )
    signed_on = models.DateField(_("签订日期"))
    measures = models.TextField(_("戒毒措施"))
    rules = models.TextField(_("应遵守的规定"))
    liability = models.TextField(_("违反协议的责任"))
    period_start = models.DateField(_("起始日期"))
    period_end = models.DateField(_("截止日期"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("经办人")
    )

    class Meta:
        verbose_name = _("协议")
        verbose_name_plural = _("协议")
        ordering = ["-signed_on", "-id"]

    def __str__(self) -> str:
        return f"{date_format(self.signed_on)} 协议"


class Plan(ChoiceLabels):
    """The individual plan (社区戒毒(康复)计划, rules.md §6.2)."""

    episode = models.ForeignKey(Episode, models.CASCADE, related_name="plans", verbose_name=_("执行记录"))
    written_on = models.DateField(_("制定日期"))
    current_situation = models.TextField(_("现实表现"))
    treatment = models.TextField(_("戒毒治疗措施"), blank=True)
    encourage_mmt = models.BooleanField(_("动员参加美沙酮维持治疗"), default=False)
    detox_treatment_needed = models.BooleanField(_("需要脱毒治疗"), default=False)
    counselling = models.TextField(_("心理辅导计划"), blank=True)
    assistance = models.TextField(_("帮扶救助措施"), blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("制定人")
    )

    class Meta:
        verbose_name = _("个人计划")
        verbose_name_plural = _("个人计划")
        ordering = ["-written_on", "-id"]

    def __str__(self) -> str:
        return f"{date_format(self.written_on)} 计划"


class HandOver(ChoiceLabels):
    """A hand-over to the police station (移交公安): refusal to report, serious breach or relapse."""

    class Reason(models.TextChoices):
        REFUSAL = "refusal", _("逾期未报到(视为拒绝)")
        SERIOUS_BREACH = "serious_breach", _("严重违反协议")
        RELAPSE = "relapse", _("复吸")

    class Decision(models.TextChoices):
        COMPULSORY = "compulsory", _("决定强制隔离戒毒")
        CONTINUE = "continue", _("继续执行")

    episode = models.ForeignKey(Episode, models.CASCADE, related_name="handovers", verbose_name=_("执行记录"))
    reason = models.CharField(_("移交原因"), max_length=16, choices=Reason.choices)
    prepared_on = models.DateField(_("移交日期"))
    documents = models.CharField(_("移交材料"), max_length=200)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("移交人")
    )
    received_on = models.DateField(_("接收日期"), null=True, blank=True)
    receipt_number = models.CharField(_("移交回执编号"), max_length=60, blank=True)
    decision = models.CharField(_("处理决定"), max_length=12, choices=Decision.choices, blank=True)
    decision_reason = models.CharField(_("决定理由"), max_length=200, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("接收人"),
    )

    class Meta:
        verbose_name = _("移交公安")
        verbose_name_plural = _("移交公安")
        ordering = ["-prepared_on", "-id"]

    def __str__(self) -> str:
        return f"{date_format(self.prepared_on)} {self.get_reason_display()}"


class Absence(ChoiceLabels):
    """Leaving the county for 3 days or more: a written report before leaving (戒毒条例 art 19(3)).

    A region may require approval (请假, local practice). An absence found without a report
    is recorded as UNREPORTED and, once confirmed, counts toward serious breach (art 20).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        AWAY = "away", _("外出中")
        REFUSED = "refused", _("不同意外出")
        RETURNED = "returned", _("已返回销假")
        UNREPORTED = "unreported", _("未报告擅自外出")

    episode = models.ForeignKey(Episode, models.PROTECT, related_name="absences", verbose_name=_("执行记录"))
    person = models.ForeignKey(Person, models.PROTECT, related_name="absences", verbose_name=_("人员"))
    destination = models.CharField(_("目的地"), max_length=100)
    reason = models.CharField(_("事由"), max_length=200)
    contact_phone = models.CharField(_("外出期间联系电话"), max_length=20, blank=True)
    reported_on = models.DateField(_("书面报告日期"), null=True, blank=True)
    leaves_on = models.DateField(_("离开日期"))
    returns_by = models.DateField(_("预计返回日期"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_on = models.DateField(_("审批日期"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    extended_to = models.DateField(_("续假至"), null=True, blank=True)
    returned_on = models.DateField(_("返回销假日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("外出报告")
        verbose_name_plural = _("外出报告")
        ordering = ["-leaves_on", "-id"]
        indexes = [models.Index(fields=["person", "-leaves_on"], name="absence_person_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(returns_by__gte=models.F("leaves_on")),
                name="absence_returns_after_leaving",
                violation_error_message=_("返回日期不能早于离开日期。"),
            ),
            models.CheckConstraint(
                condition=Q(returned_on__isnull=True) | Q(returned_on__gte=models.F("leaves_on")),
                name="absence_returned_after_leaving",
                violation_error_message=_("销假日期不能早于离开日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{date_format(self.leaves_on)} {self.destination}"


class Breach(ChoiceLabels):
    """A breach of the agreement that staff confirmed (禁毒法 art 35; 戒毒条例 arts 20-21).

    Nothing is counted from a missed due date alone: each row is a confirmation by staff.
    Serious breach (art 20): tests evaded or refused 3 or more times, or leaving the county
    without permission 3 or more times or for more than 30 days in total.
    """

    class Kind(models.TextChoices):
        TEST_REFUSED = "test_refused", _("拒绝接受检测")
        TEST_EVADED = "test_evaded", _("逃避检测")
        UNAUTHORISED_EXIT = "unauthorised_exit", _("擅自离开县(市、区)")
        AGREEMENT = "agreement", _("其他违反协议行为")
        RELAPSE = "relapse", _("复吸")

    class Response(models.TextChoices):
        EDUCATION = "education", _("批评教育")
        WARNING = "warning", _("批评教育并发告诫书")
        HANDOVER = "handover", _("移交公安")

    TEST_KINDS = (Kind.TEST_REFUSED, Kind.TEST_EVADED)

    episode = models.ForeignKey(Episode, models.PROTECT, related_name="breaches", verbose_name=_("执行记录"))
    person = models.ForeignKey(Person, models.PROTECT, related_name="breaches", verbose_name=_("人员"))
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    occurred_on = models.DateField(_("发生日期"))
    days = models.PositiveSmallIntegerField(_("擅自离开天数"), default=0)
    drug_test = models.OneToOneField(
        DrugTest, models.PROTECT, null=True, blank=True, related_name="breach", verbose_name=_("对应检测")
    )
    absence = models.OneToOneField(
        Absence, models.PROTECT, null=True, blank=True, related_name="breach", verbose_name=_("对应外出")
    )
    description = models.CharField(_("情况说明"), max_length=300)
    response = models.CharField(_("处理"), max_length=10, choices=Response.choices)
    warning_number = models.CharField(_("告诫书编号"), max_length=60, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("确认人")
    )
    confirmed_at = models.DateTimeField(_("确认时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("违反协议记录")
        verbose_name_plural = _("违反协议记录")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["episode", "kind"], name="breach_episode_kind_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="unauthorised_exit") | Q(days=0), name="breach_days_only_for_exits"
            ),
        ]

    def __str__(self) -> str:
        return f"{date_format(self.occurred_on)} {self.get_kind_display()}"


class Transfer(ChoiceLabels):
    """Change of execution place (变更执行地, 戒毒条例 art 22): a hand-shake between townships.

    The person reports at the new place within 15 days, signs a new agreement, and the
    clock runs on.
    """

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待接收")
        ACCEPTED = "accepted", _("已接收待报到")
        DECLINED = "declined", _("已拒绝")
        REPORTED = "reported", _("已在新执行地报到")

    episode = models.ForeignKey(Episode, models.PROTECT, related_name="transfers", verbose_name=_("执行记录"))
    person = models.ForeignKey(Person, models.PROTECT, related_name="transfers", verbose_name=_("人员"))
    from_township = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("原执行地"))
    from_community = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("原责任社区"))
    to_township = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("新执行地"))
    to_community = models.ForeignKey(
        Region, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("新责任社区")
    )
    reason = models.CharField(_("变更原因"), max_length=200)
    new_address = models.CharField(_("新居住地址"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    requested_on = models.DateField(_("申请日期"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("接收方经办人"),
    )
    decided_on = models.DateField(_("接收/拒绝日期"), null=True, blank=True)
    decline_reason = models.CharField(_("拒绝理由"), max_length=200, blank=True)
    report_deadline = models.DateField(_("新执行地报到期限"), null=True, blank=True)
    reported_on = models.DateField(_("新执行地报到日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("变更执行地")
        verbose_name_plural = _("变更执行地")
        ordering = ["-requested_on", "-id"]
        indexes = [
            models.Index(fields=["from_township", "status"], name="transfer_from_status_idx"),
            models.Index(fields=["to_township", "status"], name="transfer_to_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_township=models.F("to_township")),
                name="transfer_to_another_township",
                violation_error_message=_("新执行地不能与原执行地相同。"),
            ),
            models.UniqueConstraint(
                fields=["episode"],
                condition=Q(status__in=["requested", "accepted"]),
                name="transfer_one_open_per_episode",
                violation_error_message=_("该人员已有未办结的变更执行地。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{date_format(self.requested_on)} → {self.to_township}"


class Suspension(ChoiceLabels):
    """Detention or arrest suspends the measure (中止, 戒毒条例 art 24) until release."""

    class Reason(models.TextChoices):
        DETENTION = "detention", _("被依法拘留")
        ARREST = "arrest", _("被依法逮捕")

    episode = models.ForeignKey(
        Episode, models.PROTECT, related_name="suspensions", verbose_name=_("执行记录")
    )
    reason = models.CharField(_("中止原因"), max_length=10, choices=Reason.choices)
    starts_on = models.DateField(_("中止日期"))
    place = models.CharField(_("羁押场所"), max_length=100)
    documents = models.CharField(_("依据文书"), max_length=200, blank=True)
    pauses_clock = models.BooleanField(_("暂停计算期限"))
    ends_on = models.DateField(_("释放(恢复执行)日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("录入人")
    )

    class Meta:
        verbose_name = _("中止")
        verbose_name_plural = _("中止")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="suspension_ends_after_start",
                violation_error_message=_("恢复执行日期不能早于中止日期。"),
            ),
            models.UniqueConstraint(
                fields=["episode"], condition=Q(ends_on__isnull=True), name="suspension_one_open_per_episode"
            ),
        ]

    def __str__(self) -> str:
        return f"{date_format(self.starts_on)} {self.get_reason_display()}"

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days if self.ends_on else 0


class Certification(ChoiceLabels):
    """Detox certification (脱毒认定, rules.md §3.1): proposed by the work station, approved by the
    supervisor; the approval starts the count toward 戒断三年未复吸."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("待审批")
        APPROVED = "approved", _("已认定")
        RETURNED = "returned", _("已退回")

    episode = models.ForeignKey(
        Episode, models.PROTECT, related_name="certifications", verbose_name=_("执行记录")
    )
    summary = models.TextField(_("执行情况小结"))
    criteria = models.JSONField(_("认定条件核对"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("提请人")
    )
    proposed_on = models.DateField(_("提请日期"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_on = models.DateField(_("审批日期"), null=True, blank=True)
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    certificate_number = models.CharField(_("证明编号"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("脱毒认定")
        verbose_name_plural = _("脱毒认定")
        ordering = ["-proposed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode"],
                condition=Q(status__in=["proposed", "approved"]),
                name="certification_one_live_per_episode",
                violation_error_message=_("该人员已有待审批或已认定的脱毒认定。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{date_format(self.proposed_on)} {self.get_status_display()}"


class Referral(ChoiceLabels):
    """A referral to 人社 (training, job guidance, employment aid: 禁毒法 art 34) or to 民政
    (social assistance), with its outcomes."""

    class Kind(models.TextChoices):
        EMPLOYMENT = "employment", _("就业培训(人社)")
        ASSISTANCE = "assistance", _("社会救助(民政)")

    class Status(models.TextChoices):
        REFERRED = "referred", _("待受理")
        ACCEPTED = "accepted", _("已受理")
        DECLINED = "declined", _("不予受理")
        CLOSED = "closed", _("已办结")

    episode = models.ForeignKey(Episode, models.PROTECT, related_name="referrals", verbose_name=_("执行记录"))
    person = models.ForeignKey(Person, models.PROTECT, related_name="referrals", verbose_name=_("人员"))
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    agency = models.ForeignKey(Agency, models.PROTECT, related_name="referrals", verbose_name=_("转介单位"))
    needs = models.TextField(_("需求"))
    skills = models.CharField(_("技能与经历"), max_length=300, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.REFERRED)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("转介人")
    )
    referred_on = models.DateField(_("转介日期"))
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("经办人"),
    )
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    decline_reason = models.CharField(_("不予受理理由"), max_length=200, blank=True)
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("转介")
        verbose_name_plural = _("转介")
        ordering = ["-referred_on", "-id"]
        indexes = [models.Index(fields=["agency", "status"], name="referral_agency_status_idx")]

    def __str__(self) -> str:
        return f"{date_format(self.referred_on)} {self.get_kind_display()}"


class ReferralOutcome(ChoiceLabels):
    """What 人社 or 民政 did on a referral (rules.md §3.2-3.3). The employer is confidential:
    only the work station and 人社 see it (training record type)."""

    class Kind(models.TextChoices):
        TRAINING = "training", _("职业技能培训")
        JOB_GUIDANCE = "job_guidance", _("就业指导")
        PLACEMENT = "placement", _("就业安置")
        PUBLIC_JOB = "public_job", _("公益性岗位")
        DIFFICULTY = "difficulty", _("就业困难人员认定")
        SUBSIDY = "subsidy", _("就业补贴")
        DIBAO = "dibao", _("最低生活保障")
        TEMPORARY = "temporary", _("临时救助")
        MEDICAL = "medical", _("医疗救助")

    EMPLOYMENT_KINDS = (
        Kind.TRAINING,
        Kind.JOB_GUIDANCE,
        Kind.PLACEMENT,
        Kind.PUBLIC_JOB,
        Kind.DIFFICULTY,
        Kind.SUBSIDY,
    )
    ASSISTANCE_KINDS = (Kind.DIBAO, Kind.TEMPORARY, Kind.MEDICAL)

    referral = models.ForeignKey(Referral, models.PROTECT, related_name="outcomes", verbose_name=_("转介"))
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    on_date = models.DateField(_("日期"))
    course = models.CharField(_("培训项目"), max_length=100, blank=True)
    hours = models.PositiveSmallIntegerField(_("学时"), null=True, blank=True)
    certificate = models.CharField(_("证书"), max_length=100, blank=True)
    employer = models.CharField(_("用人单位(保密)"), max_length=100, blank=True)
    amount = models.DecimalField(_("金额(元)"), max_digits=10, decimal_places=2, null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("录入人")
    )

    class Meta:
        verbose_name = _("转介结果")
        verbose_name_plural = _("转介结果")
        ordering = ["-on_date", "-id"]

    def __str__(self) -> str:
        return f"{date_format(self.on_date)} {self.get_kind_display()}"


class ReleaseNotice(ChoiceLabels):
    """The police's notice of release at expiry (解除社区戒毒/康复通知书, 戒毒条例 arts 23, 40),
    served on the person and the family; the township is notified within 7 days."""

    episode = models.OneToOneField(
        Episode, models.PROTECT, related_name="release_notice", verbose_name=_("执行记录")
    )
    number = models.CharField(_("通知书文号"), max_length=60)
    issued_on = models.DateField(_("出具日期"))
    served_person_on = models.DateField(_("送达本人日期"))
    served_family_on = models.DateField(_("送达家属日期"), null=True, blank=True)
    township_notified_on = models.DateField(_("通知乡镇(街道)日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("录入人")
    )

    class Meta:
        verbose_name = _("解除通知")
        verbose_name_plural = _("解除通知")

    def __str__(self) -> str:
        return self.number


class RegionFigures(ChoiceLabels):
    """Derived: the counts behind the rates of one region (community, township, county, ...)
    for one period, rebuilt each night.

    A community's row is computed from its persons; a larger region's row is the sum of its
    communities' rows (every figure counts persons, and each person belongs to one community).
    Supervisors' rates read one row per period; the 无毒社区 assessment reads its communities' rows.
    """

    region = models.ForeignKey(Region, models.CASCADE, related_name="+", verbose_name=_("区域"))
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("截止日期"))
    computed_at = models.DateTimeField(_("计算时间"))
    data = models.JSONField(_("数据"))

    class Meta:
        verbose_name = _("区域指标汇总")
        verbose_name_plural = _("区域指标汇总")
        constraints = [
            models.UniqueConstraint(fields=["region", "start", "end"], name="regionfigures_unique_period")
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {date_format(self.start)}~{date_format(self.end)}"


class StaffFigures(ChoiceLabels):
    """Derived: one social worker's open and overdue items among one community's persons, as of
    the night; rebuilt by the daily figures refresh with RegionFigures."""

    community = models.ForeignKey(Region, models.CASCADE, related_name="+", verbose_name=_("社区"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="+", verbose_name=_("工作人员")
    )
    computed_at = models.DateTimeField(_("计算时间"))
    open = models.PositiveIntegerField(_("未办结事项"))
    overdue = models.PositiveIntegerField(_("逾期事项"))
    days_late = models.JSONField(_("各逾期事项的逾期天数"), default=list)

    class Meta:
        verbose_name = _("人员工作量汇总")
        verbose_name_plural = _("人员工作量汇总")
        constraints = [models.UniqueConstraint(fields=["community", "user"], name="stafffigures_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.community_id}"
