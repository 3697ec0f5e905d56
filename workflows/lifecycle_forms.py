"""Forms for the life cycle after intake (issue 5). Each helper keeps its classes in its own block.

The forms parse and check dates; the domain rules (and their messages) live in the services,
which raise RecordRefused, so code that calls the services without a form gets the same checks.
"""

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from casework.forms import DATE_WIDGET
from casework.models import Absence, Breach, DrugTest, Episode, HandOver, Region, Suspension, Transfer


def _not_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("日期不能晚于今天。"))
    return value


# --- Transfer, suspension, termination, completion, follow-up (helper h2) --------------------


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class TransferRequestForm(forms.Form):
    to_township = RegionChoiceField(
        queryset=Region.objects.none(), label=_("新执行地乡镇(街道)"), empty_label=_("请选择")
    )
    reason = forms.CharField(label=_("变更原因"), max_length=200)
    new_address = forms.CharField(label=_("新居住地址"), max_length=200, required=False)
    requested_on = forms.DateField(label=_("申请日期"), widget=DATE_WIDGET)

    def __init__(self, *args, episode: Episode, **kwargs):
        super().__init__(*args, **kwargs)
        self.episode = episode
        self.fields["to_township"].queryset = Region.objects.filter(level=Region.Level.TOWNSHIP).order_by(
            "path"
        )

    def clean_requested_on(self):
        return _not_future(self.cleaned_data["requested_on"])

    def clean_to_township(self):
        value = self.cleaned_data["to_township"]
        if value.pk == self.episode.township_id:
            raise forms.ValidationError(_("新执行地不能与原执行地相同。"))
        return value


class TransferDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("办理结果"),
        choices=[("accept", _("同意接收")), ("decline", _("不同意接收"))],
        widget=forms.RadioSelect,
    )
    decided_on = forms.DateField(label=_("办理日期"), widget=DATE_WIDGET)
    community = RegionChoiceField(
        queryset=Region.objects.none(), label=_("责任社区"), required=False, empty_label=_("请选择")
    )
    decline_reason = forms.CharField(label=_("不同意接收的理由"), max_length=200, required=False)

    def __init__(self, *args, episode: Episode, **kwargs):
        super().__init__(*args, **kwargs)
        transfer = (
            episode.transfers.filter(status=Transfer.Status.REQUESTED).select_related("to_township").first()
        )
        if transfer is not None:
            self.fields["community"].queryset = Region.objects.filter(
                level=Region.Level.COMMUNITY, path__startswith=transfer.to_township.path
            ).order_by("path")

    def clean_decided_on(self):
        return _not_future(self.cleaned_data["decided_on"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "accept" and not cleaned.get("community"):
            self.add_error("community", _("同意接收时须选择责任社区。"))
        if cleaned.get("decision") == "decline" and not (cleaned.get("decline_reason") or "").strip():
            self.add_error("decline_reason", _("不同意接收时须填写理由。"))
        return cleaned


class TransferReportForm(forms.Form):
    reported_on = forms.DateField(label=_("在新执行地报到日期"), widget=DATE_WIDGET)

    def clean_reported_on(self):
        return _not_future(self.cleaned_data["reported_on"])


class SuspensionForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("中止原因"), choices=Suspension.Reason.choices, widget=forms.RadioSelect
    )
    starts_on = forms.DateField(label=_("中止日期(拘留/逮捕之日)"), widget=DATE_WIDGET)
    place = forms.CharField(label=_("羁押场所"), max_length=100)
    documents = forms.CharField(label=_("依据文书"), max_length=200, required=False)

    def clean_starts_on(self):
        return _not_future(self.cleaned_data["starts_on"])


class SuspensionEndForm(forms.Form):
    ends_on = forms.DateField(label=_("释放(恢复执行)日期"), widget=DATE_WIDGET)

    def clean_ends_on(self):
        return _not_future(self.cleaned_data["ends_on"])


TERMINATION_REASONS = [(v, label) for v, label in Episode.ClosedReason.choices if v != "completed"]


class TerminationForm(forms.Form):
    reason = forms.ChoiceField(label=_("结束原因"), choices=TERMINATION_REASONS, widget=forms.RadioSelect)
    closed_on = forms.DateField(label=_("结束日期"), widget=DATE_WIDGET)
    documents = forms.CharField(
        label=_("依据文书"), max_length=200, help_text=_("如判决书、强制隔离戒毒决定书、死亡证明、出境记录")
    )

    def clean_closed_on(self):
        return _not_future(self.cleaned_data["closed_on"])


class CompletionPrepareForm(forms.Form):
    sent_on = forms.DateField(label=_("移送公安日期"), widget=DATE_WIDGET)
    documents = forms.CharField(
        label=_("移送材料"), max_length=200, initial="社区戒毒(康复)协议、执行情况档案、检测记录"
    )

    def clean_sent_on(self):
        return _not_future(self.cleaned_data["sent_on"])


class ReleaseNoticeForm(forms.Form):
    number = forms.CharField(label=_("解除通知书文号"), max_length=60)
    issued_on = forms.DateField(label=_("出具日期"), widget=DATE_WIDGET)
    served_person_on = forms.DateField(label=_("送达本人日期"), widget=DATE_WIDGET)
    served_family_on = forms.DateField(label=_("送达家属日期"), widget=DATE_WIDGET, required=False)
    township_notified_on = forms.DateField(label=_("通知乡镇(街道)日期"), widget=DATE_WIDGET)

    def __init__(self, *args, episode: Episode, **kwargs):
        super().__init__(*args, **kwargs)
        self.episode = episode

    def clean(self):
        cleaned = super().clean()
        for name in ("issued_on", "served_person_on", "served_family_on", "township_notified_on"):
            value = cleaned.get(name)
            if value and value > timezone.localdate():
                self.add_error(name, _("日期不能晚于今天。"))
        return cleaned


class RelapseForm(forms.Form):
    relapsed_on = forms.DateField(label=_("复吸日期"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("情况说明(如检测报告编号)"), max_length=200)

    def clean_relapsed_on(self):
        return _not_future(self.cleaned_data["relapsed_on"])


# --- end of helper h2's block ----------------------------------------------------------------


# --- Breaches, hand-over to the police, absences (helper h1) ---------------------------------


class BreachConfirmForm(forms.Form):
    """Confirm one breach (禁毒法 art 35 para 2; 戒毒条例 art 20): the counted event and the response."""

    kind = forms.ChoiceField(label=_("违反协议类别"), choices=Breach.Kind.choices)
    drug_test = forms.ModelChoiceField(
        label=_("对应检测(逃避或拒绝检测时必选)"),
        queryset=DrugTest.objects.none(),
        required=False,
        empty_label=_("（不涉及检测）"),  # not "---------" (h6)
    )
    absence = forms.ModelChoiceField(
        label=_("对应未报告外出(擅自离开时必选)"),
        queryset=Absence.objects.none(),
        required=False,
        empty_label=_("（不涉及外出）"),
    )
    occurred_on = forms.DateField(
        label=_("发生日期"),
        widget=DATE_WIDGET,
        required=False,
        help_text=_("逃避或拒绝检测取检测日期，擅自离开取离开日期"),
    )
    response = forms.ChoiceField(
        label=_("处理"),
        choices=[
            (Breach.Response.EDUCATION, _("批评教育")),
            (Breach.Response.WARNING, _("批评教育并发告诫书")),
        ],
        widget=forms.RadioSelect,
        initial=Breach.Response.EDUCATION,
    )
    warning_number = forms.CharField(label=_("告诫书编号"), max_length=60, required=False)
    description = forms.CharField(
        label=_("情况说明"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, episode: Episode, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["drug_test"].queryset = episode.drug_tests.filter(
            result__in=[DrugTest.Result.REFUSED, DrugTest.Result.EVADED], breach__isnull=True
        ).order_by("-tested_on", "-id")
        self.fields["drug_test"].label_from_instance = lambda t: (
            f"{date_format(t.tested_on)} {t.get_result_display()}"  # 2026年3月5日 (h6)
        )
        self.fields["absence"].queryset = episode.absences.filter(
            status=Absence.Status.UNREPORTED, breach__isnull=True
        ).order_by("-leaves_on", "-id")
        self.fields["absence"].label_from_instance = lambda a: (
            f"{date_format(a.leaves_on)} — {date_format(a.returned_on)} {a.destination}"
        )

    def clean_occurred_on(self):
        return _not_future(self.cleaned_data["occurred_on"])

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind in Breach.TEST_KINDS and not cleaned.get("drug_test"):
            self.add_error("drug_test", _("逃避或拒绝检测须选择对应的检测记录。"))
        elif kind == Breach.Kind.UNAUTHORISED_EXIT and not cleaned.get("absence"):
            self.add_error("absence", _("擅自离开须选择对应的未报告外出记录。"))
        elif kind in (Breach.Kind.AGREEMENT, Breach.Kind.RELAPSE) and not cleaned.get("occurred_on"):
            self.add_error("occurred_on", _("请填写发生日期。"))
        if (
            cleaned.get("response") == Breach.Response.WARNING
            and not cleaned.get("warning_number", "").strip()
        ):
            self.add_error("warning_number", _("发告诫书须填写告诫书编号。"))
        return cleaned


HANDOVER_PACKAGE_DOCUMENTS = [
    ("严重违反协议证明", _("严重违反协议证明")),
    ("检测报告", _("检测报告")),
    ("复吸情况说明", _("复吸情况说明")),
    ("告诫书", _("告诫书")),
    ("吸毒检测通知书", _("吸毒检测通知书")),
    ("移交回执", _("移交回执")),
]


class HandOverPackageForm(forms.Form):
    prepared_on = forms.DateField(label=_("移交日期"), widget=DATE_WIDGET)
    documents = forms.MultipleChoiceField(
        label=_("移交材料"), choices=HANDOVER_PACKAGE_DOCUMENTS, widget=forms.CheckboxSelectMultiple
    )

    def clean_prepared_on(self):
        return _not_future(self.cleaned_data["prepared_on"])

    def clean_documents(self):
        documents = self.cleaned_data["documents"]
        if "移交回执" not in documents:
            raise forms.ValidationError(_("移交材料须包括移交回执。"))
        return documents


class BreachPoliceDecisionForm(forms.Form):
    received_on = forms.DateField(label=_("接收日期"), widget=DATE_WIDGET)
    receipt_number = forms.CharField(label=_("移交回执编号"), max_length=60)
    decision = forms.ChoiceField(
        label=_("处理决定"), choices=HandOver.Decision.choices, widget=forms.RadioSelect
    )
    decided_on = forms.DateField(label=_("决定日期"), widget=DATE_WIDGET)
    decision_number = forms.CharField(
        label=_("强制隔离戒毒决定书文号"),
        max_length=60,
        required=False,
        help_text=_("决定强制隔离戒毒时必填"),
    )
    decision_reason = forms.CharField(label=_("决定理由"), max_length=200)

    def clean_received_on(self):
        return _not_future(self.cleaned_data["received_on"])

    def clean_decided_on(self):
        return _not_future(self.cleaned_data["decided_on"])

    def clean(self):
        cleaned = super().clean()
        received, decided = cleaned.get("received_on"), cleaned.get("decided_on")
        if received and decided and decided < received:
            self.add_error("decided_on", _("决定日期不能早于接收日期。"))
        if cleaned.get("decision") == HandOver.Decision.COMPULSORY and not cleaned.get("decision_number"):
            self.add_error("decision_number", _("决定强制隔离戒毒须填写决定书文号。"))
        return cleaned


class AbsenceReportForm(forms.Form):
    reported_on = forms.DateField(label=_("书面报告日期"), widget=DATE_WIDGET)
    leaves_on = forms.DateField(label=_("离开日期"), widget=DATE_WIDGET)
    returns_by = forms.DateField(label=_("预计返回日期"), widget=DATE_WIDGET)
    destination = forms.CharField(label=_("目的地"), max_length=100)
    reason = forms.CharField(label=_("事由"), max_length=200)
    contact_phone = forms.CharField(label=_("外出期间联系电话"), max_length=20)

    def clean_reported_on(self):
        return _not_future(self.cleaned_data["reported_on"])

    def clean(self):
        cleaned = super().clean()
        leaves, back = cleaned.get("leaves_on"), cleaned.get("returns_by")
        if leaves and back and back < leaves:
            self.add_error("returns_by", _("返回日期不能早于离开日期。"))
        reported = cleaned.get("reported_on")
        if leaves and reported and leaves < reported:
            self.add_error(
                "leaves_on",
                _("书面报告须在离开前提交（《戒毒条例》第十九条）；已离开且未报告的，请登记为未报告外出。"),
            )
        return cleaned


class AbsenceUnreportedForm(forms.Form):
    leaves_on = forms.DateField(label=_("离开日期"), widget=DATE_WIDGET)
    returned_on = forms.DateField(label=_("返回日期"), widget=DATE_WIDGET)
    destination = forms.CharField(label=_("去向"), max_length=100)
    reason = forms.CharField(label=_("情况说明"), max_length=200)

    def clean_returned_on(self):
        return _not_future(self.cleaned_data["returned_on"])

    def clean(self):
        cleaned = super().clean()
        leaves, back = cleaned.get("leaves_on"), cleaned.get("returned_on")
        if leaves and back and back < leaves:
            self.add_error("returned_on", _("返回日期不能早于离开日期。"))
        return cleaned


class AbsenceReturnForm(forms.Form):
    returned_on = forms.DateField(label=_("返回销假日期"), widget=DATE_WIDGET)

    def clean_returned_on(self):
        return _not_future(self.cleaned_data["returned_on"])


class AbsenceExtendForm(forms.Form):
    extended_to = forms.DateField(label=_("续假至"), widget=DATE_WIDGET)
    note = forms.CharField(label=_("续假事由"), max_length=200)


class AbsenceDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审批意见"),
        choices=[("1", _("同意外出")), ("0", _("不同意外出"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


# --- end of helper h1's block ----------------------------------------------------------------
