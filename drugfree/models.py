"""The 无毒社区 programme's records: targets and settings, applications and titles, and the
evidence the assessment reads (prevention activities, awareness surveys, responsibility
letters, screening campaigns, inspections with their rectification, entered facts).

Source: the seed texts (`../shared/domain/seed-drug-free-town.txt`) 第一篇 to 第五篇. No model here
holds person data: a person found in screening is registered through the normal intake, and
the campaign keeps only the count; case figures are read through `oversight.rates`.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from casework.choice_labels import ChoiceLabels
from casework.models import Region

PERCENT = [MinValueValidator(0), MaxValueValidator(100)]
EVIDENCE_UPLOAD = "drugfree/%Y/%m/"


class ProgrammeSettings(ChoiceLabels):
    """A region's targets for the criteria; blank inherits from the region above, then the seed's value.

    The defaults are the seed's (第三篇 二、六(三) and 第五篇 三): 100 % education and awareness,
    90 % awareness in villages, a 30 % floor for 强制隔离戒毒收戒率, 1-2 county titles.
    """

    region = models.OneToOneField(
        Region, models.CASCADE, related_name="drugfree_settings", verbose_name=_("区域")
    )
    education_target = models.PositiveSmallIntegerField(
        _("禁毒宣传教育面目标(%)"), null=True, blank=True, validators=PERCENT
    )
    youth_education_target = models.PositiveSmallIntegerField(
        _("青少年毒品预防教育率目标(%)"), null=True, blank=True, validators=PERCENT
    )
    awareness_town_target = models.PositiveSmallIntegerField(
        _("集镇知晓率目标(%)"), null=True, blank=True, validators=PERCENT
    )
    awareness_village_target = models.PositiveSmallIntegerField(
        _("农村知晓率目标(%)"), null=True, blank=True, validators=PERCENT
    )
    awareness_migrant_target = models.PositiveSmallIntegerField(
        _("外来务工人员知晓率目标(%)"), null=True, blank=True, validators=PERCENT
    )
    awareness_venue_target = models.PositiveSmallIntegerField(
        _("娱乐场所业主及从业人员知晓率目标(%)"), null=True, blank=True, validators=PERCENT
    )
    awareness_school_target = models.PositiveSmallIntegerField(
        _("中小学知晓率目标(%)"), null=True, blank=True, validators=PERCENT
    )
    compulsory_rate_floor = models.PositiveSmallIntegerField(
        _("强制隔离戒毒收戒率不低于(%)"), null=True, blank=True, validators=PERCENT
    )
    county_titles_per_year = models.PositiveSmallIntegerField(
        _("每年县级命名上限"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    check_days = models.PositiveSmallIntegerField(
        _("乡镇审核期限(天)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("无毒社区目标设置")
        verbose_name_plural = _("无毒社区目标设置")

    def __str__(self) -> str:
        return str(self.region)


class TownshipTarget(ChoiceLabels):
    """How many communities a township means to have named by a year (第三篇 四(一): 至2021年共创建15个)."""

    township = models.ForeignKey(
        Region, models.CASCADE, related_name="drugfree_targets", verbose_name=_("乡镇/街道")
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    communities = models.PositiveSmallIntegerField(_("创建无毒社区数"), validators=[MinValueValidator(1)])
    county_level = models.PositiveSmallIntegerField(_("其中县级"), default=0)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("设定人")
    )

    class Meta:
        verbose_name = _("创建目标")
        verbose_name_plural = _("创建目标")
        constraints = [
            models.UniqueConstraint(fields=["township", "year"], name="drugfree_target_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.township} {self.year}: {self.communities}"


class Application(ChoiceLabels):
    """A community's own application for the year (第三篇 四(一) 自行申报), and where it stands."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("待乡镇审核")
        REJECTED = "rejected", _("审核未通过")
        TOWN = "town", _("镇级无毒社区")
        COUNTY = "county", _("县级无毒社区")
        REVOKED = "revoked", _("已撤销命名")

    community = models.ForeignKey(
        Region, models.PROTECT, related_name="drugfree_applications", verbose_name=_("社区/村")
    )
    year = models.PositiveSmallIntegerField(_("申报年度"))
    applied_on = models.DateField(_("申报日期"))
    statement = models.TextField(_("创建情况"), max_length=4000)
    evidence = models.FileField(_("申报材料"), upload_to=EVIDENCE_UPLOAD, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("申报人")
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.APPLIED)
    check_due = models.DateField(_("审核期限"))
    # Set once by the flow's timer when the deadline passed with the check open (TitleFlow.check_overdue).
    check_escalated_on = models.DateField(_("逾期督办日期"), null=True, blank=True)
    checked_on = models.DateField(_("审核日期"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    check_note = models.TextField(_("审核意见"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("无毒社区申报")
        verbose_name_plural = _("无毒社区申报")
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="drugfree_application_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.year}"


class Title(ChoiceLabels):
    """A title granted (镇级 by the township, 县级 by the county) and, when lost, its revocation."""

    class Level(models.TextChoices):
        TOWN = "town", _("镇级")
        COUNTY = "county", _("县级")

    community = models.ForeignKey(
        Region, models.PROTECT, related_name="drugfree_titles", verbose_name=_("社区/村")
    )
    application = models.ForeignKey(
        Application, models.PROTECT, related_name="titles", verbose_name=_("申报")
    )
    level = models.CharField(_("级别"), max_length=6, choices=Level.choices)
    year = models.PositiveSmallIntegerField(_("命名年度"))
    granted_on = models.DateField(_("命名日期"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("命名人")
    )
    revoked_on = models.DateField(_("撤销日期"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤销人"),
    )
    revoke_reason = models.TextField(_("撤销原因"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("无毒社区命名")
        verbose_name_plural = _("无毒社区命名")
        constraints = [
            models.UniqueConstraint(fields=["application", "level"], name="drugfree_title_once_per_level"),
        ]
        indexes = [models.Index(fields=["community", "revoked_on"], name="drugfree_title_current_idx")]

    def __str__(self) -> str:
        return f"{self.community} {self.get_level_display()} {self.year}"


class Review(ChoiceLabels):
    """A yearly re-assessment (巩固) of a named community: kept or revoked, and why."""

    application = models.ForeignKey(
        Application, models.PROTECT, related_name="reviews", verbose_name=_("申报")
    )
    year = models.PositiveSmallIntegerField(_("复核年度"))
    reviewed_on = models.DateField(_("复核日期"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("复核人")
    )
    kept = models.BooleanField(_("保留命名"))
    note = models.TextField(_("复核意见"), max_length=2000)

    class Meta:
        verbose_name = _("年度复核")
        verbose_name_plural = _("年度复核")
        constraints = [
            models.UniqueConstraint(fields=["application", "year"], name="drugfree_review_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.application} {self.year}"


class TitleProcess(ChoiceLabels, Process):
    """A title's flow run: the application is the artifact (an integer key)."""

    class Meta:
        proxy = True
        verbose_name = _("无毒社区命名流程")
        verbose_name_plural = _("无毒社区命名流程")


class Evidence(ChoiceLabels):
    """What every programme record has: its community, a scan or photo, who entered it and when."""

    community = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name=_("社区/村"))
    evidence = models.FileField(_("佐证材料"), upload_to=EVIDENCE_UPLOAD, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    recorded_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        abstract = True


class Activity(Evidence):
    """A prevention-education activity (第一篇 一, 第四篇 二, 第五篇 四 1): its kind, audience and reach."""

    class Kind(models.TextChoices):
        BROADCAST = "broadcast", _("广播")
        BLACKBOARD = "blackboard", _("黑板报/宣传栏")
        BANNER = "banner", _("横幅")
        SLOGAN = "slogan", _("标语")
        LEAFLET = "leaflet", _("传单/资料")
        EXHIBITION = "exhibition", _("展览")
        LECTURE = "lecture", _("专题讲座")
        CONTEST = "contest", _("知识竞赛")
        LAW_CLASS = "law_class", _("学校法制教育课")
        SIGNBOARD = "signboard", _("永久性宣传牌")

    class Audience(models.TextChoices):
        RESIDENTS = "residents", _("居民群众")
        YOUTH = "youth", _("青少年和中小学生")
        MIGRANTS = "migrants", _("外来务工人员")
        VENUES = "venues", _("娱乐场所从业人员")
        CADRES = "cadres", _("机关干部")

    held_on = models.DateField(_("日期"))
    kind = models.CharField(_("形式"), max_length=12, choices=Kind.choices)
    audience = models.CharField(_("对象"), max_length=10, choices=Audience.choices)
    title = models.CharField(_("主题"), max_length=200)
    quantity = models.PositiveIntegerField(_("数量(次/幅/张/份)"), default=1)
    minutes = models.PositiveIntegerField(_("每次时长(分钟)"), null=True, blank=True)
    audience_size = models.PositiveIntegerField(_("对象人数"))
    reached = models.PositiveIntegerField(_("受教育人数"))

    class Meta:
        verbose_name = _("宣传教育活动")
        verbose_name_plural = _("宣传教育活动")
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reached__lte=models.F("audience_size")), name="drugfree_reach_in_audience"
            )
        ]
        indexes = [models.Index(fields=["community", "held_on"], name="drugfree_activity_idx")]

    def __str__(self) -> str:
        return f"{self.community} {self.held_on} {self.title}"

    @property
    def participation(self) -> float | None:
        return round(100 * self.reached / self.audience_size, 1) if self.audience_size else None


class Survey(Evidence):
    """An awareness survey of one group (知晓率, 第三篇 五(六) 三): the sample and how many knew."""

    class Group(models.TextChoices):
        TOWN = "town", _("集镇")
        VILLAGE = "village", _("农村(以村居为单位)")
        MIGRANT = "migrant", _("外来务工人员")
        VENUE = "venue", _("娱乐场所业主及从业人员")
        SCHOOL = "school", _("中小学校")

    held_on = models.DateField(_("调查日期"))
    group = models.CharField(_("调查群体"), max_length=8, choices=Group.choices)
    sample = models.PositiveIntegerField(_("调查人数"), validators=[MinValueValidator(1)])
    knew = models.PositiveIntegerField(_("知晓人数"))

    class Meta:
        verbose_name = _("知晓率调查")
        verbose_name_plural = _("知晓率调查")
        ordering = ["-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(knew__lte=models.F("sample")) & Q(sample__gte=1), name="drugfree_knew_in_sample"
            )
        ]
        indexes = [models.Index(fields=["community", "held_on"], name="drugfree_survey_idx")]

    def __str__(self) -> str:
        return f"{self.community} {self.held_on} {self.get_group_display()}"

    @property
    def rate(self) -> float:
        return round(100 * self.knew / self.sample, 1)


class Letter(Evidence):
    """A responsibility letter the township signs with a unit or village (第一篇 二: 23个单位; 第四篇 一)."""

    class Kind(models.TextChoices):
        TARGETS = "targets", _("禁毒工作目标管理责任书")
        NO_PLANTING = "no_planting", _("禁种责任书")

    class Duty(models.TextChoices):
        UNIT_STAFF = "unit_staff", _("单位包职工")
        SCHOOL_PUPILS = "school_pupils", _("学校包学生")
        VILLAGE_HOUSEHOLDS = "village_households", _("镇村包农户")
        FAMILY_MEMBERS = "family_members", _("家庭包成员")

    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    duty = models.CharField(_("“四包”责任"), max_length=20, choices=Duty.choices)
    unit = models.CharField(_("责任单位"), max_length=100)
    responsible = models.CharField(_("第一责任人"), max_length=50)
    signed_on = models.DateField(_("签订日期"))
    term_start = models.DateField(_("责任期起"))
    term_end = models.DateField(_("责任期止"))
    content = models.TextField(_("责任内容"), max_length=4000)

    class Meta:
        verbose_name = _("责任书")
        verbose_name_plural = _("责任书")
        ordering = ["-signed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gte=models.F("term_start")), name="drugfree_letter_term"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.unit}"


class Screening(Evidence):
    """A screening campaign (排查, 第三篇 五(二), 第五篇 四 2): households and people checked, people found.

    Only the count: a person found is registered through the normal intake, with its privacy.
    """

    class Kind(models.TextChoices):
        HOUSEHOLDS = "households", _("入户排查")
        MIGRANTS = "migrants", _("外来务工人员清理登记")
        VENUES = "venues", _("娱乐服务场所从业人员排查")
        PLANTING = "planting", _("毒品原植物踏查")

    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices)
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"))
    households = models.PositiveIntegerField(_("走访户数"), default=0)
    people_checked = models.PositiveIntegerField(_("排查人数"), default=0)
    found = models.PositiveIntegerField(_("发现涉毒人员数"), default=0)
    note = models.TextField(_("情况说明"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("排查")
        verbose_name_plural = _("排查")
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__gte=models.F("started_on")), name="drugfree_screening_dates"
            )
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.get_kind_display()} {self.started_on}"


class Inspection(Evidence):
    """An inspection (督查, 第三篇 五(五): 明察暗访、突击督查) and its finding's rectification (整改)."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("定期督查")
        OPEN = "open", _("明察")
        UNANNOUNCED = "unannounced", _("暗访")
        SURPRISE = "surprise", _("突击督查")

    kind = models.CharField(_("方式"), max_length=12, choices=Kind.choices)
    inspected_on = models.DateField(_("督查日期"))
    unit = models.CharField(_("被督查单位"), max_length=100)
    finding = models.TextField(_("发现问题"), max_length=2000, blank=True)
    rectify_by = models.DateField(_("整改期限"), null=True, blank=True)
    closed_on = models.DateField(_("整改完成日期"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("销号人"),
    )
    closure_note = models.TextField(_("整改情况"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("督查")
        verbose_name_plural = _("督查")
        ordering = ["-inspected_on", "-pk"]
        indexes = [models.Index(fields=["community", "closed_on"], name="drugfree_inspection_open_idx")]

    def __str__(self) -> str:
        return f"{self.community} {self.unit} {self.inspected_on}"

    @property
    def open(self) -> bool:
        return bool(self.finding) and self.closed_on is None


class Declaration(Evidence):
    """A fact of the year that no case record shows, entered with evidence: the rest of
    “五无” (第五篇 三) and of “四无” (第一篇)."""

    class Fact(models.TextChoices):
        NO_CRIME = "no_crime", _("无吸毒人员犯罪")
        NO_VENUE_DRUGS = "no_venue_drugs", _("无娱乐场所吸、贩毒问题")
        NO_PRECURSORS = "no_precursors", _("无易制毒化学品流入非法渠道")
        NO_DEALING = "no_dealing", _("无贩毒")
        NO_PLANTING = "no_planting", _("无种毒")
        NO_MAKING = "no_making", _("无制毒")

    year = models.PositiveSmallIntegerField(_("年度"))
    fact = models.CharField(_("事项"), max_length=16, choices=Fact.choices)
    holds = models.BooleanField(_("属实"), help_text=_("不属实（发生了该类问题）则该项不达标"))
    note = models.TextField(_("说明"), max_length=2000)

    class Meta:
        verbose_name = _("情况确认")
        verbose_name_plural = _("情况确认")
        constraints = [
            models.UniqueConstraint(fields=["community", "year", "fact"], name="drugfree_declaration_once"),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.year} {self.get_fact_display()}"


SCORE = [MinValueValidator(0), MaxValueValidator(20)]


class UnitScore(Evidence):
    """A unit's year-end assessment (考核, 第三篇 五(六) 一至五; 六(四) 严格考核): five items of 20 points.

    The unit is a village, a community or a unit in the township (the letters' 23 units); its
    community is where it sits.
    """

    year = models.PositiveSmallIntegerField(_("考核年度"))
    unit = models.CharField(_("被考核单位"), max_length=100)
    leadership = models.PositiveSmallIntegerField(_("领导重视、机构人员经费落实"), validators=SCORE)
    enforcement = models.PositiveSmallIntegerField(_("打击整治涉毒违法犯罪"), validators=SCORE)
    awareness = models.PositiveSmallIntegerField(_("宣传教育与知晓率"), validators=SCORE)
    treatment = models.PositiveSmallIntegerField(_("禁吸戒毒、尿检与帮教"), validators=SCORE)
    screening = models.PositiveSmallIntegerField(_("涉毒人员排摸与基础工作"), validators=SCORE)
    note = models.TextField(_("考核意见"), blank=True, max_length=2000)

    ITEMS = ("leadership", "enforcement", "awareness", "treatment", "screening")

    class Meta:
        verbose_name = _("年度考核")
        verbose_name_plural = _("年度考核")
        ordering = ["-year", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["community", "year", "unit"], name="drugfree_unit_score_once"),
            models.CheckConstraint(
                condition=Q(leadership__lte=20)
                & Q(enforcement__lte=20)
                & Q(awareness__lte=20)
                & Q(treatment__lte=20)
                & Q(screening__lte=20),
                name="drugfree_unit_score_items",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.year}"

    @property
    def total(self) -> int:
        return sum(getattr(self, item) for item in self.ITEMS)
