"""The programme's forms: the application and its steps, targets, the evidence records and
their filters. Every check gives a Chinese message on the field; nothing is saved on an error."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.forms import DATE_WIDGET
from casework.models import Region
from drugfree.models import Activity, Declaration, Inspection, Letter, Screening, Survey, UnitScore
from workflows.forms.common import checked_upload


def _not_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("日期不能晚于今天。"))
    return value


class EvidenceField(forms.FileField):
    """A scan or photo as evidence: PDF, JPEG or PNG within the upload limit (the privacy rules)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("佐证材料(PDF/JPEG/PNG)"))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and hasattr(upload, "size"):
            return checked_upload(upload, "evidence")
        return upload


class ApplicationForm(forms.Form):
    year = forms.IntegerField(label=_("申报年度"), min_value=2000, max_value=2100)
    statement = forms.CharField(
        label=_("创建情况"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )
    evidence = EvidenceField(label=_("申报材料(PDF/JPEG/PNG)"))


class CheckForm(forms.Form):
    name = forms.TypedChoiceField(
        label=_("审核结论"),
        choices=[("1", _("达标，命名为镇级无毒社区")), ("0", _("不达标，不予命名"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("审核意见"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CountyForm(forms.Form):
    name = forms.TypedChoiceField(
        label=_("县级命名"),
        choices=[("1", _("命名为县级无毒社区")), ("0", _("不命名县级，保留镇级"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )


class ReviewForm(forms.Form):
    keep = forms.TypedChoiceField(
        label=_("复核结论"),
        choices=[("1", _("巩固达标，保留命名")), ("0", _("未达标，撤销命名"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("复核意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class TargetForm(forms.Form):
    year = forms.IntegerField(label=_("目标年度"), min_value=2000, max_value=2100)
    communities = forms.IntegerField(label=_("创建无毒社区数"), min_value=1, max_value=10000)
    county_level = forms.IntegerField(label=_("其中县级"), min_value=0, max_value=10000, initial=0)

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("county_level") or 0) > (cleaned.get("communities") or 0):
            self.add_error("county_level", _("县级数不能超过目标数。"))
        return cleaned


class RecordForm(forms.ModelForm):
    """The shared part: the community (among those the user may record for) and the evidence."""

    community = forms.ModelChoiceField(label=_("社区/村"), queryset=Region.objects.none())
    evidence = EvidenceField()

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["community"].label_from_instance = lambda r: r.name
        if communities.count() == 1:
            self.fields["community"].initial = communities.first()
        for name, field in self.fields.items():
            if isinstance(field, forms.DateField):
                field.widget = DATE_WIDGET
                field.validators.append(_not_future)
            if isinstance(field, forms.IntegerField) and name != "year":
                field.min_value = 0
                field.widget.attrs["min"] = 0
                field.validators.append(_non_negative)

    def _post_clean(self):
        # The community is set by the service; the model's checks need it for the constraints.
        if self.cleaned_data.get("community"):
            self.instance.community = self.cleaned_data["community"]
        super()._post_clean()


def _non_negative(value):
    if value is not None and value < 0:
        raise forms.ValidationError(_("数量不能为负数。"))


class ActivityForm(RecordForm):
    class Meta:
        model = Activity
        fields = [
            "community",
            "held_on",
            "kind",
            "audience",
            "title",
            "quantity",
            "minutes",
            "audience_size",
            "reached",
            "evidence",
        ]

    def clean(self):
        cleaned = super().clean()
        size, reached = cleaned.get("audience_size"), cleaned.get("reached")
        if size is not None and reached is not None and reached > size:
            self.add_error("reached", _("受教育人数不能超过对象人数。"))
        return cleaned


class SurveyForm(RecordForm):
    class Meta:
        model = Survey
        fields = ["community", "held_on", "group", "sample", "knew", "evidence"]

    def clean(self):
        cleaned = super().clean()
        sample, knew = cleaned.get("sample"), cleaned.get("knew")
        if sample is not None and sample < 1:
            self.add_error("sample", _("调查人数至少为1。"))
        elif sample is not None and knew is not None and knew > sample:
            self.add_error("knew", _("知晓人数不能超过调查人数。"))
        return cleaned


class LetterForm(RecordForm):
    class Meta:
        model = Letter
        fields = [
            "community",
            "kind",
            "duty",
            "unit",
            "responsible",
            "signed_on",
            "term_start",
            "term_end",
            "content",
            "evidence",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A term runs forward: only the signing date must not be in the future.
        for name in ("term_start", "term_end"):
            self.fields[name].validators = [v for v in self.fields[name].validators if v is not _not_future]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("term_start"), cleaned.get("term_end")
        if start and end and end < start:
            self.add_error("term_end", _("责任期止不能早于责任期起。"))
        return cleaned


class ScreeningForm(RecordForm):
    class Meta:
        model = Screening
        fields = [
            "community",
            "kind",
            "started_on",
            "ended_on",
            "households",
            "people_checked",
            "found",
            "note",
            "evidence",
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("started_on"), cleaned.get("ended_on")
        if start and end and end < start:
            self.add_error("ended_on", _("结束日期不能早于开始日期。"))
        return cleaned


class InspectionForm(RecordForm):
    class Meta:
        model = Inspection
        fields = ["community", "kind", "inspected_on", "unit", "finding", "rectify_by", "evidence"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rectify_by"].validators = [
            v for v in self.fields["rectify_by"].validators if v is not _not_future
        ]

    def clean(self):
        cleaned = super().clean()
        finding, by, on = cleaned.get("finding"), cleaned.get("rectify_by"), cleaned.get("inspected_on")
        if finding and not by:
            self.add_error("rectify_by", _("发现问题的，请填写整改期限。"))
        if by and on and by < on:
            self.add_error("rectify_by", _("整改期限不能早于督查日期。"))
        return cleaned


class DeclarationForm(RecordForm):
    class Meta:
        model = Declaration
        fields = ["community", "year", "fact", "holds", "note", "evidence"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        self.fields["year"].min_value = 2000

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(_("不能确认未来年度的情况。"))
        return year

    def clean(self):
        cleaned = super().clean()
        key = {name: cleaned.get(name) for name in ("community", "year", "fact")}
        if all(key.values()) and Declaration.objects.filter(**key).exists():
            self.add_error("fact", _("该社区该年度已确认过此事项。"))
        return cleaned


class CloseForm(forms.Form):
    note = forms.CharField(label=_("整改情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class FilterForm(forms.Form):
    """A record list's filters: the community, the year, and the record type's own choice field."""

    community = forms.ModelChoiceField(label=_("社区/村"), required=False, queryset=Region.objects.none())
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, communities, choice_name, choice_label, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["community"].label_from_instance = lambda r: r.name
        self.fields["community"].empty_label = _("全部社区")
        if choice_name:
            self.fields[choice_name] = forms.ChoiceField(
                label=choice_label, required=False, choices=[("", _("全部"))] + list(choices)
            )


class AssessmentForm(forms.Form):
    region = forms.ModelChoiceField(label=_("区域"), required=False, queryset=Region.objects.none())
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100)

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions.exclude(level=Region.Level.COMMUNITY).order_by("path")
        self.fields["region"].label_from_instance = lambda r: r.name
        self.fields["region"].empty_label = _("本辖区")


class UnitScoreForm(RecordForm):
    class Meta:
        model = UnitScore
        fields = [
            "community",
            "year",
            "unit",
            "leadership",
            "enforcement",
            "awareness",
            "treatment",
            "screening",
            "note",
            "evidence",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        for item in UnitScore.ITEMS:
            self.fields[item].max_value = 20
            self.fields[item].widget.attrs["max"] = 20
            self.fields[item].help_text = _("0-20分")

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year:
            raise forms.ValidationError(_("不能考核未来年度。"))
        return year

    def clean(self):
        cleaned = super().clean()
        key = {name: cleaned.get(name) for name in ("community", "year", "unit")}
        if all(key.values()) and UnitScore.objects.filter(**key).exists():
            self.add_error("unit", _("该单位该年度已考核。"))
        return cleaned
