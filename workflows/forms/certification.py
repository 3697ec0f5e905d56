"""The forms of detox certification."""

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from casework.forms import DATE_WIDGET
from casework.models import Certification, Episode
from workflows.forms.common import _not_future


class CertificationProposeForm(forms.Form):
    proposed_on = forms.DateField(label=_("提请日期"), widget=DATE_WIDGET)
    summary = forms.CharField(
        label=_("执行情况小结"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=2000,
        help_text=_("执行期间的表现、检测、帮扶情况；随认定条件核对结果一并报禁毒办审批。"),
    )

    def clean_proposed_on(self):
        return _not_future(self.cleaned_data["proposed_on"])


class CertificationDecideForm(forms.Form):
    """The supervisor's step: the proposal is shown read-only above the decision."""

    DECISIONS = [("approve", _("同意认定")), ("return", _("退回"))]

    proposal = forms.CharField(
        label=_("提请内容"), required=False, disabled=True, widget=forms.Textarea(attrs={"rows": 10})
    )
    decision = forms.ChoiceField(label=_("审批意见"), choices=DECISIONS, widget=forms.RadioSelect)
    decided_on = forms.DateField(label=_("审批日期"), widget=DATE_WIDGET)
    certificate_number = forms.CharField(
        label=_("证明编号"), max_length=60, required=False, help_text=_("同意认定时必填")
    )
    note = forms.CharField(label=_("审批意见说明"), max_length=200, required=False, help_text=_("退回时必填"))

    def __init__(self, *args, episode: Episode, **kwargs):
        super().__init__(*args, **kwargs)
        certification = (
            Certification.objects.filter(episode=episode, status=Certification.Status.PROPOSED)
            .select_related("proposed_by")
            .first()
        )
        if certification is not None:
            lines = [
                f"{_('提请日期')}：{date_format(certification.proposed_on)}",  # the date as the pages show it
                f"{_('提请人')}：{certification.proposed_by.last_name}{certification.proposed_by.first_name}",
                "",
                certification.summary,
                "",
            ]
            for c in certification.criteria.get("criteria", []):
                lines.append(f"{'✓' if c.get('met') else '✗'} {c.get('label')}：{c.get('detail')}")
            self.fields["proposal"].initial = "\n".join(lines)

    def clean_decided_on(self):
        return _not_future(self.cleaned_data["decided_on"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "approve" and not cleaned.get("certificate_number", "").strip():
            self.add_error("certificate_number", _("同意认定时须填写证明编号。"))
        if cleaned.get("decision") == "return" and not cleaned.get("note", "").strip():
            self.add_error("note", _("退回时须填写理由。"))
        return cleaned
