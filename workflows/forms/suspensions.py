"""The forms of suspension and termination."""

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.forms import DATE_WIDGET
from casework.models import Episode, Suspension
from workflows.forms.common import _not_future


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
    # Ending an episode cannot be undone (its duties are excused, its steps cancelled).
    confirm = forms.BooleanField(
        label=_("我已核对：终止执行后不能撤销，未办的检测、谈话等事项将全部免除"),
        error_messages={"required": _("请勾选确认后再终止执行。")},
    )

    def clean_closed_on(self):
        return _not_future(self.cleaned_data["closed_on"])
