"""The forms of referrals to 人社 and 民政."""

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.forms import DATE_WIDGET
from casework.models import Referral, ReferralOutcome
from workflows.branches.referrals import AMOUNT_KINDS, OUTCOME_KINDS
from workflows.forms.common import _not_future


class ReferralForm(forms.Form):
    kind = forms.ChoiceField(label=_("转介类别"), choices=Referral.Kind.choices, widget=forms.RadioSelect)
    referred_on = forms.DateField(label=_("转介日期"), widget=DATE_WIDGET)
    needs = forms.CharField(label=_("需求"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000)
    skills = forms.CharField(label=_("技能与经历"), max_length=300, required=False)

    def clean_referred_on(self):
        return _not_future(self.cleaned_data["referred_on"])


class ReferralDecideForm(forms.Form):
    DECISIONS = [("accept", _("受理")), ("decline", _("不予受理"))]

    decision = forms.ChoiceField(label=_("办理意见"), choices=DECISIONS, widget=forms.RadioSelect)
    on = forms.DateField(label=_("日期"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("不予受理理由"), max_length=200, required=False)

    def clean_on(self):
        return _not_future(self.cleaned_data["on"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "decline" and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("不予受理须填写理由。"))
        return cleaned


class OutcomeForm(forms.ModelForm):
    class Meta:
        model = ReferralOutcome
        fields = ["kind", "on_date", "course", "hours", "certificate", "employer", "amount", "note"]
        widgets = {"on_date": DATE_WIDGET}

    def __init__(self, *args, referral: Referral, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = OUTCOME_KINDS[referral.kind]
        self.fields["kind"].choices = [
            (k, label) for k, label in ReferralOutcome.Kind.choices if k in allowed
        ]
        if referral.kind == Referral.Kind.ASSISTANCE:
            for name in ("course", "hours", "certificate", "employer"):
                del self.fields[name]
        else:
            self.fields["employer"].help_text = _("仅工作站和人社可见，不向其他单位显示。")

    def clean_on_date(self):
        return _not_future(self.cleaned_data["on_date"])

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == ReferralOutcome.Kind.TRAINING:
            if not cleaned.get("course"):
                self.add_error("course", _("职业技能培训须填写培训项目。"))
            if not cleaned.get("hours"):
                self.add_error("hours", _("职业技能培训须填写学时。"))
        if kind == ReferralOutcome.Kind.PLACEMENT and not cleaned.get("employer"):
            self.add_error("employer", _("就业安置须填写用人单位。"))
        if kind in AMOUNT_KINDS and not cleaned.get("amount"):
            self.add_error("amount", _("请填写金额（元）。"))
        return cleaned


class ReferralCloseForm(forms.Form):
    closed_on = forms.DateField(label=_("办结日期"), widget=DATE_WIDGET)
    # Closing cannot be undone and ends the agency's view of the person: asked for in so many words.
    confirm = forms.BooleanField(
        label=_("我已核对：办结后不能撤销，本单位将不能再查看该人员档案"),
        error_messages={"required": _("请勾选确认后再办结。")},
    )

    def clean_closed_on(self):
        return _not_future(self.cleaned_data["closed_on"])
