"""Forms for the registry. Every rule of bad input answers with a message on the form."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import deadlines
from casework.idnumber import InvalidIdNumber, mask_id_number, mask_phone, parse_id_number
from casework.models import Episode, Person, Region

ID_ERRORS = {
    "format": _("公民身份号码应为18位：17位数字加1位校验码（数字或X）。"),
    "birth_date": _("公民身份号码中的出生日期不存在。"),
    "checksum": _("公民身份号码校验码错误，请核对。"),
}

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonForm(forms.ModelForm):
    # Longer than the 18 stored characters: spaces and hyphens typed off a document are dropped
    # by clean_id_number before the number's length is judged.
    id_number = forms.CharField(label=_("公民身份号码"), max_length=24)

    class Meta:
        model = Person
        # The number first: sex and birth date come out of it, and a number already on file is
        # found before the rest of the form is typed.
        fields = [
            "id_number",
            "name",
            "sex",
            "birth_date",
            "phone",
            "household_address",
            "household_region",
            "residence_address",
            "residence_region",
            "education",
            "employment",
            "marital_status",
            "drug_types",
            "use_mode",
            "drug_history",
            "risk_level",
            "guarantor_name",
            "guarantor_relation",
            "guarantor_phone",
        ]
        widgets = {"birth_date": DATE_WIDGET, "drug_history": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"id_number": {"unique": _("该公民身份号码已建档，请在人员列表中查找。")}}

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        communities = Region.objects.filter(level=Region.Level.COMMUNITY).order_by("path")
        self.fields["household_region"].queryset = communities
        self.fields["residence_region"].queryset = regions if regions is not None else communities
        self.fields["id_number"].widget.attrs.update({"autocomplete": "off", "inputmode": "text"})
        for name in ("sex", "birth_date"):
            self.fields[name].required = False
            self.fields[name].help_text = _("可不填：保存时由公民身份号码得出")

    def clean_id_number(self) -> str:
        try:
            return parse_id_number(self.cleaned_data["id_number"]).value
        except InvalidIdNumber as exc:
            raise forms.ValidationError(ID_ERRORS[str(exc)], code=str(exc)) from None

    def clean_birth_date(self):
        birth = self.cleaned_data["birth_date"]
        if birth and birth > timezone.localdate():
            raise forms.ValidationError(_("出生日期不能晚于今天。"))
        return birth

    def clean(self):
        cleaned = super().clean()
        id_value = cleaned.get("id_number")
        if id_value:
            parsed = parse_id_number(id_value)
            # GB 11643-1999: the 17th digit is odd for men, even for women; digits 7-14 the birth date.
            if not cleaned.get("sex") and "sex" not in self.errors:
                cleaned["sex"] = parsed.sex
            if not cleaned.get("birth_date") and "birth_date" not in self.errors:
                cleaned["birth_date"] = parsed.birth_date
            if cleaned.get("sex") and cleaned["sex"] != parsed.sex:
                self.add_error("sex", _("性别与公民身份号码不一致。"))
            if cleaned.get("birth_date") and cleaned["birth_date"] != parsed.birth_date:
                self.add_error("birth_date", _("出生日期与公民身份号码不一致。"))
        else:
            for name in ("sex", "birth_date"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("请填写，或先填写有效的公民身份号码。"))
        return cleaned


class PersonEditForm(PersonForm):
    """The file's edit form. Without the reveal right the numbers are shown masked, as on every
    other page; a masked value posted back unchanged keeps the stored number (个人信息保护法
    art 51: least privilege), and a new full number replaces it."""

    MASKED = {"id_number": mask_id_number, "phone": mask_phone, "guarantor_phone": mask_phone}

    def __init__(self, *args, reveal: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.reveal = reveal
        if not reveal:
            for name, mask in self.MASKED.items():
                self.initial[name] = mask(getattr(self.instance, name))
                self.fields[name].help_text = _("已隐去部分号码；不修改则保留原号码。")

    def _stored_if_masked(self, name: str):
        """Return the stored number when the masked value came back unchanged, else None."""
        stored = getattr(self.instance, name)
        if not self.reveal and stored and self.cleaned_data.get(name) == self.MASKED[name](stored):
            return stored
        return None

    def clean_id_number(self) -> str:
        return self._stored_if_masked("id_number") or super().clean_id_number()

    def clean_phone(self) -> str:
        return self._stored_if_masked("phone") or self.cleaned_data["phone"]

    def clean_guarantor_phone(self) -> str:
        return self._stored_if_masked("guarantor_phone") or self.cleaned_data["guarantor_phone"]


class EpisodeForm(forms.ModelForm):
    community = forms.ModelChoiceField(queryset=Region.objects.none(), label=_("责任社区"))

    class Meta:
        model = Episode
        fields = ["kind", "decision_number", "decision_date", "issuing_authority", "served_on", "term_months"]
        widgets = {"decision_date": DATE_WIDGET, "served_on": DATE_WIDGET}
        help_texts = {"term_months": _("社区戒毒固定为36个月；社区康复按决定书填写，不超过36个月。")}

    def __init__(self, *args, communities=None, person=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["community"].queryset = communities if communities is not None else Region.objects.none()
        self.fields["term_months"].required = False

    def clean_decision_date(self):
        value = self.cleaned_data["decision_date"]
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("决定日期不能晚于今天。"))
        return value

    def clean_served_on(self):
        value = self.cleaned_data["served_on"]
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("送达日期不能晚于今天。"))
        return value

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        term = cleaned.get("term_months")
        if kind == Episode.Kind.DETOX:
            cleaned["term_months"] = deadlines.DETOX_TERM_MONTHS
        elif kind == Episode.Kind.REHAB:
            if not term:
                self.add_error("term_months", _("请填写社区康复期限（月）。"))
            elif term > deadlines.REHAB_MAX_TERM_MONTHS:
                self.add_error("term_months", _("社区康复期限不得超过36个月（禁毒法第四十八条）。"))
        decided, served = cleaned.get("decision_date"), cleaned.get("served_on")
        if decided and served and served < decided:
            self.add_error("served_on", _("送达日期不能早于决定日期。"))
        if (
            self.person is not None
            and self.person.pk
            and self.person.episodes.exclude(status__in=Episode.CLOSED_STATUSES).exists()
        ):
            raise forms.ValidationError(_("该人员已有未结束的社区戒毒/社区康复，不能再登记新的决定。"))
        return cleaned

    def validate_constraints(self, exclude=None):
        # The one-open-episode and term constraints are checked in clean() with clearer
        # messages; the person is not set on the instance until the service saves it.
        exclude = set(exclude or ()) | {"person"}
        super().validate_constraints(exclude=exclude)


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("查看理由"),
        max_length=200,
        min_length=4,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class PersonSearchForm(forms.Form):
    SORTS = [
        ("name", _("按姓名")),
        ("next_due", _("按下次应办")),
        ("overdue", _("按逾期事项数")),
        ("last_contact", _("按最近谈话走访（久未联系在前）")),
        ("risk", _("按风险等级（高风险在前）")),
    ]

    q = forms.CharField(label=_("姓名、拼音首字母或证件号"), required=False, max_length=50)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态"))] + list(Episode.Status.choices)
    )
    kind = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("全部类别"))] + list(Episode.Kind.choices)
    )
    region = forms.ModelChoiceField(
        label=_("社区"), required=False, queryset=Region.objects.none(), empty_label=_("全部社区")
    )
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=SORTS)

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.fields["region"].queryset = regions

    def clean_q(self) -> str:
        q = self.cleaned_data["q"].strip()
        if len(q) == 1 and q.isascii() and q.isalpha():
            # One letter matches a large share of all names: it finds no one in particular.
            raise forms.ValidationError(_("拼音首字母请至少输入两个字母（例如 zs 查找张三）。"))
        return q
