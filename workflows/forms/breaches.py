"""The forms of a breach and of the hand-over package with the police's decision."""

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from casework.forms import DATE_WIDGET
from casework.models import Absence, Breach, DrugTest, Episode, HandOver
from workflows.forms.common import _not_future


class BreachConfirmForm(forms.Form):
    """Confirm one breach (禁毒法 art 35 para 2; 戒毒条例 art 20): the counted event and the response."""

    kind = forms.ChoiceField(label=_("违反协议类别"), choices=Breach.Kind.choices)
    drug_test = forms.ModelChoiceField(
        label=_("对应检测(逃避或拒绝检测时必选)"),
        queryset=DrugTest.objects.none(),
        required=False,
        empty_label=_("（不涉及检测）"),  # says what an empty choice means, not "---------"
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
            f"{date_format(t.tested_on)} {t.get_result_display()}"  # the date as people read it: 2026年3月5日
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
    decision_reason = forms.CharField(
        label=_("决定理由"), max_length=200, widget=forms.Textarea(attrs={"rows": 4})
    )

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
