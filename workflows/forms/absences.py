"""The forms of out-of-county absences."""

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.forms import DATE_WIDGET
from workflows.forms.common import _not_future


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
