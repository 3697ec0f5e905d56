"""The forms of a change of execution place."""

from django import forms
from django.utils.translation import gettext_lazy as _

from casework.forms import DATE_WIDGET
from casework.models import Episode, Region, Transfer
from workflows.forms.common import RegionChoiceField, _not_future


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
