"""The forms that record what fulfils a duty: drug tests, talks and visits, excuses, the follow-up of a test."""

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.forms import DATE_WIDGET
from casework.models import DrugTest, Person, Talk
from workflows.branches.intake import FOLLOW_UP_ACTIONS
from workflows.forms.common import _not_future


class FollowUpForm(forms.Form):
    ACTIONS = FOLLOW_UP_ACTIONS
    action = forms.ChoiceField(label=_("处置措施"), choices=ACTIONS, widget=forms.RadioSelect)
    note = forms.CharField(label=_("情况说明"), max_length=300)


class DrugTestForm(forms.ModelForm):
    obligation = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = DrugTest
        fields = [
            "tested_on",
            "place",
            "sample_type",
            "method",
            "kit_batch",
            "result",
            "substances",
            "collector_1",
            "collector_1_sex",
            "collector_2",
            "collector_2_sex",
            "seal_a",
            "seal_b",
            "notified_on",
            "other_locality",
            "ad_hoc",
        ]
        widgets = {"tested_on": DATE_WIDGET, "notified_on": DATE_WIDGET}

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_tested_on(self):
        return _not_future(self.cleaned_data["tested_on"])

    def clean(self):
        cleaned = super().clean()
        result = cleaned.get("result")
        if result == DrugTest.Result.POSITIVE:
            if not cleaned.get("substances"):
                self.add_error("substances", _("阳性结果须填写检出物质。"))
            if cleaned.get("method") == DrugTest.Method.ON_SITE and not (
                cleaned.get("seal_a") and cleaned.get("seal_b")
            ):
                self.add_error(
                    "seal_a",
                    _("现场检测阳性的样本须分为A、B两份封存并填写封签号（吸毒检测程序规定第八条）。"),
                )
        collecting = result not in (DrugTest.Result.REFUSED, DrugTest.Result.EVADED)
        if (
            collecting
            and cleaned.get("sample_type") == DrugTest.Sample.URINE
            and self.person.sex == Person.Sex.FEMALE
            and "M" in (cleaned.get("collector_1_sex"), cleaned.get("collector_2_sex"))
        ):
            self.add_error(
                "collector_1_sex", _("女性的尿液样本须由女性工作人员采集（吸毒检测程序规定第八条）。")
            )
        if cleaned.get("collector_1") and cleaned.get("collector_1") == cleaned.get("collector_2"):
            self.add_error("collector_2", _("采样须由两名工作人员进行。"))
        notified = cleaned.get("notified_on")
        if notified and cleaned.get("tested_on") and notified < cleaned["tested_on"]:
            self.add_error("notified_on", _("告知日期不能早于检测日期。"))
        return cleaned


class TalkForm(forms.ModelForm):
    obligation = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Talk
        fields = ["held_on", "kind", "place", "summary", "follow_up"]
        widgets = {
            "held_on": DATE_WIDGET,
            "summary": forms.Textarea(attrs={"rows": 4}),
            "follow_up": forms.Textarea(attrs={"rows": 2}),
        }

    def clean_held_on(self):
        return _not_future(self.cleaned_data["held_on"])


class ExcuseForm(forms.Form):
    reason = forms.CharField(label=_("免除理由"), max_length=200, min_length=4)


class RecordCorrectForm(forms.Form):
    on = forms.DateField(label=_("正确的日期"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("更正理由"), max_length=200, widget=forms.Textarea(attrs={"rows": 2}))

    def clean_on(self):
        return _not_future(self.cleaned_data["on"])


class RecordVoidForm(forms.Form):
    reason = forms.CharField(
        label=_("作废理由"),
        max_length=200,
        min_length=4,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("作废须写明理由。"), "min_length": _("请写明理由（至少4个字）。")},
    )
    confirm = forms.BooleanField(
        label=_("我已核对：作废后该记录不再计入任何统计，对应事项重新变为待办"),
        error_messages={"required": _("请勾选确认后再作废。")},
    )
