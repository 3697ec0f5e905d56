"""The admin of the reference tables: regions and their settings, the national calendar,
agencies and the parties of a help team."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MinValueValidator
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from casework import national_calendar
from casework.models import (
    AT_LEAST_ONE_DAY,
    Agency,
    CalendarDay,
    PartyRole,
    Region,
)


class RegionForm(movenodeform_factory(Region)):
    """The region form; a period of days must be at least 1, negative or not (one message for both)."""

    PERIODS = ("report_deadline_days", "completion_prep_days", "release_notice_days")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.PERIODS:
            field = self.fields[name]
            field.validators = [v for v in field.validators if not isinstance(v, MinValueValidator)]
            field.validators.append(AT_LEAST_ONE_DAY)
            field.widget.attrs["min"] = 1


@admin.register(Region)
class RegionAdmin(TreeAdmin):
    form = RegionForm
    list_display = [
        "name",
        "code",
        "level",
        "report_deadline_days",
        "report_deadline_count",
        "release_notice_count",
        "suspension_pauses_clock",
    ]
    search_fields = ["name", "code"]


class CalendarImportForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    file = forms.FileField(
        label=_("CSV文件"),
        required=False,
        help_text=_(
            "每行：日期,类别,节日，例如 2027-10-01,放假,国庆节 或 2027-09-26,调休上班,国庆节。"
            "留空则从 chinese-calendar 软件包导入（须已包含该年度）。"
        ),
    )

    def clean(self):
        cleaned = super().clean()
        year = cleaned.get("year")
        if year is None:
            return cleaned
        upload = cleaned.get("file")
        try:
            if upload:
                try:
                    text = upload.read().decode("utf-8-sig")
                except UnicodeDecodeError as error:
                    raise ValidationError(_("文件须为UTF-8编码的CSV。")) from error
                cleaned["rows"] = national_calendar.csv_rows(text)
                cleaned["source"] = f"CSV {upload.name}"
            else:
                cleaned["rows"] = national_calendar.package_rows(year)
                cleaned["source"] = national_calendar.package_source()
            national_calendar.check_year(year, cleaned["rows"])
        except ValidationError as error:
            raise ValidationError(error.messages) from error
        return cleaned


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """The national calendar that working-day deadlines count by, kept a year at a time."""

    list_display = ["day", "kind", "name", "source"]
    list_filter = ["kind", "source"]
    date_hierarchy = "day"
    search_fields = ["name"]

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="casework_calendarday_import"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "calendar_years": national_calendar.calendar_years()}
        return super().changelist_view(request, extra_context)

    def import_view(self, request):
        if not self.has_add_permission(request) or not self.has_delete_permission(request):
            raise PermissionDenied
        form = CalendarImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            year = form.cleaned_data["year"]
            written = national_calendar.calendar_year_import(
                year, form.cleaned_data["rows"], form.cleaned_data["source"]
            )
            messages.success(
                request, _("已导入%(year)d年的节假日安排：%(n)d天。") % {"year": year, "n": written}
            )
            return redirect("admin:casework_calendarday_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("导入年度节假日安排"),
            "package_years": national_calendar.package_years(),
        }
        return TemplateResponse(request, "admin/casework/calendarday/import.html", context)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["region"]

    def save_model(self, request, obj, form, change):
        from django.contrib.auth.models import Group

        if obj.group_id is None:
            obj.group = Group.objects.create(name=f"agency:{obj.kind}:{obj.name}")
        super().save_model(request, obj, form, change)


@admin.register(PartyRole)
class PartyRoleAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "agency_kind", "order"]
