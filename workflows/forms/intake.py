"""The forms of intake: reporting in, a refusal, the hand-over on refusal, the police decision, agreement, plan, team."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.forms import DATE_WIDGET
from casework.models import Agency, Episode, HandOver
from casework.selectors import extension_too_far
from workflows.branches.intake import AGREEMENT_LIABILITY, AGREEMENT_MEASURES, AGREEMENT_RULES
from workflows.forms.common import StaffChoiceField, User, _not_future, checked_upload


class ReportInForm(forms.Form):
    reported_on = forms.DateField(label=_("报到日期"), widget=DATE_WIDGET)
    documents = forms.CharField(
        label=_("收到材料"), max_length=200, required=False, initial="决定书、身份证复印件、担保书"
    )
    decision_photo = forms.FileField(label=_("决定书照片"), required=False)

    def __init__(self, *args, episode: Episode, **kwargs):
        super().__init__(*args, **kwargs)
        self.episode = episode

    def clean_decision_photo(self):
        upload = self.cleaned_data.get("decision_photo")
        # The stored name says nothing about the person (files outlive access checks).
        return checked_upload(upload, "decision") if upload else upload

    def clean_reported_on(self):
        value = _not_future(self.cleaned_data["reported_on"])
        if value < self.episode.served_on:
            raise forms.ValidationError(_("报到日期不能早于决定书送达日期。"))
        return value


class RefusalCheckForm(forms.Form):
    legitimate_reason = forms.TypedChoiceField(
        label=_("核实结果"),
        choices=[("1", _("有正当理由，延长报到期限")), ("0", _("无正当理由，视为拒绝，移交公安"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("情况说明"), max_length=200)
    new_deadline = forms.DateField(label=_("新的报到期限"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, episode: Episode, **kwargs):
        super().__init__(*args, **kwargs)
        self.episode = episode

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("legitimate_reason"):
            deadline = cleaned.get("new_deadline")
            if not deadline:
                self.add_error("new_deadline", _("有正当理由时须填写新的报到期限。"))
            elif deadline < timezone.localdate():
                self.add_error("new_deadline", _("新的报到期限不能早于今天。"))
            elif refusal := extension_too_far(self.episode.township, deadline):
                self.add_error("new_deadline", refusal)
        return cleaned


HANDOVER_DOCUMENTS = [
    ("逾期未报到证明", _("逾期未报到证明")),
    ("告诫书", _("告诫书")),
    ("决定书复印件", _("决定书复印件")),
]


class HandOverForm(forms.Form):
    prepared_on = forms.DateField(label=_("移交日期"), widget=DATE_WIDGET)
    documents = forms.MultipleChoiceField(
        label=_("移交材料"), choices=HANDOVER_DOCUMENTS, widget=forms.CheckboxSelectMultiple
    )

    def clean_prepared_on(self):
        return _not_future(self.cleaned_data["prepared_on"])

    def clean_documents(self):
        docs = self.cleaned_data["documents"]
        if "逾期未报到证明" not in docs:
            raise forms.ValidationError(_("移交须附逾期未报到证明（《戒毒条例》第二十一条）。"))
        return docs


class PoliceDecisionForm(forms.Form):
    received_on = forms.DateField(label=_("接收日期"), widget=DATE_WIDGET)
    receipt_number = forms.CharField(label=_("移交回执编号"), max_length=60)
    decision = forms.ChoiceField(
        label=_("处理决定"), choices=HandOver.Decision.choices, widget=forms.RadioSelect
    )
    decision_reason = forms.CharField(
        label=_("决定理由"), max_length=200, widget=forms.Textarea(attrs={"rows": 4})
    )
    new_deadline = forms.DateField(label=_("继续执行时的报到期限"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, episode: Episode, **kwargs):
        super().__init__(*args, **kwargs)
        self.episode = episode

    def clean_received_on(self):
        return _not_future(self.cleaned_data["received_on"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == HandOver.Decision.CONTINUE:
            deadline = cleaned.get("new_deadline")
            if not deadline or deadline < timezone.localdate():
                self.add_error("new_deadline", _("继续执行时须填写今天或以后的报到期限。"))
            elif refusal := extension_too_far(self.episode.township, deadline):
                self.add_error("new_deadline", refusal)
        return cleaned


class AgreementForm(forms.Form):
    signed_on = forms.DateField(label=_("签订日期"), widget=DATE_WIDGET)
    measures = forms.CharField(
        label=_("戒毒措施"), widget=forms.Textarea(attrs={"rows": 3}), initial=AGREEMENT_MEASURES
    )
    rules = forms.CharField(
        label=_("应遵守的规定"), widget=forms.Textarea(attrs={"rows": 3}), initial=AGREEMENT_RULES
    )
    liability = forms.CharField(
        label=_("违反协议的责任"), widget=forms.Textarea(attrs={"rows": 3}), initial=AGREEMENT_LIABILITY
    )

    def __init__(self, *args, episode: Episode, **kwargs):
        super().__init__(*args, **kwargs)
        self.episode = episode

    def clean_signed_on(self):
        value = _not_future(self.cleaned_data["signed_on"])
        if self.episode.reported_on and value < self.episode.reported_on:
            raise forms.ValidationError(_("协议签订日期不能早于报到日期。"))
        return value


class PlanForm(forms.Form):
    written_on = forms.DateField(label=_("制定日期"), widget=DATE_WIDGET)
    current_situation = forms.CharField(label=_("现实表现"), widget=forms.Textarea(attrs={"rows": 3}))
    treatment = forms.CharField(
        label=_("戒毒治疗措施"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    encourage_mmt = forms.BooleanField(label=_("动员参加美沙酮维持治疗"), required=False)
    detox_treatment_needed = forms.BooleanField(label=_("需要脱毒治疗"), required=False)
    counselling = forms.CharField(
        label=_("心理辅导计划"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    assistance = forms.CharField(
        label=_("帮扶救助措施"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def clean_written_on(self):
        return _not_future(self.cleaned_data["written_on"])


class TeamForm(forms.Form):
    """The six parties: a staff member for each agency party, a family member by name."""

    start_date = forms.DateField(label=_("开始日期"), widget=DATE_WIDGET)
    community = StaffChoiceField(queryset=User.objects.none(), label=_("社区/社工"))
    police = StaffChoiceField(queryset=User.objects.none(), label=_("派出所民警"))
    judicial = StaffChoiceField(queryset=User.objects.none(), label=_("司法所"), required=False)
    civil_affairs = StaffChoiceField(queryset=User.objects.none(), label=_("民政"), required=False)
    human_resources = StaffChoiceField(queryset=User.objects.none(), label=_("人社"), required=False)
    family_name = forms.CharField(label=_("家庭成员姓名"), max_length=50, required=False)
    family_phone = forms.CharField(label=_("家庭成员电话"), max_length=20, required=False)

    KINDS = {
        "community": Agency.Kind.WORK_STATION,
        "police": Agency.Kind.POLICE,
        "judicial": Agency.Kind.JUDICIAL,
        "civil_affairs": Agency.Kind.CIVIL_AFFAIRS,
        "human_resources": Agency.Kind.HUMAN_RESOURCES,
    }

    def __init__(self, *args, episode: Episode, **kwargs):
        super().__init__(*args, **kwargs)
        self.episode = episode
        base = User.objects.filter(is_active=True, staff__isnull=False).select_related("staff__agency")
        townships = {episode.township_id}
        for field, kind in self.KINDS.items():
            self.fields[field].queryset = base.filter(
                staff__agency__kind=kind, staff__agency__region_id__in=townships
            ).order_by("last_name", "first_name", "username")

    def clean_start_date(self):
        value = _not_future(self.cleaned_data["start_date"])
        if self.episode.reported_on and value < self.episode.reported_on:
            raise forms.ValidationError(_("开始日期不能早于报到日期。"))
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("family_phone") and not cleaned.get("family_name"):
            self.add_error("family_name", _("请填写家庭成员姓名。"))
        return cleaned
