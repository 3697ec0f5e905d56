"""The admin, scoped through the one door like every other page.

It lives here, at the top of the import graph, because its person pages must
read through `permissions.selectors`. A superuser without a staff post sees
the reference tables (regions, agencies, staff, the matrix) but no person.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import MinValueValidator
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory
from viewflow.workflow.models import Process, Task

from casework import national_calendar
from casework.models import (
    AT_LEAST_ONE_DAY,
    Agency,
    CalendarDay,
    CaseEvent,
    Episode,
    FamilyMember,
    ObligationRule,
    PartyRole,
    Person,
    Region,
    Staff,
    StaffPostEvent,
    TeamMember,
)
from permissions.models import AccessLog, RecordAccessRule
from permissions.selectors import access_log_visible, visible_persons
from permissions.services import holds_agency_grants, rebuild_all_grants, sync_person_grants


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


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role"]
    list_filter = ["role", "agency__kind"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "agency__name"]
    autocomplete_fields = ["agency"]
    raw_id_fields = ["user"]

    @staticmethod
    def _post(agency_name, role) -> str:
        return f"{agency_name} · {Staff.Role(role).label}"

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        before = (
            Staff.objects.filter(pk=obj.pk).values_list("agency__group_id", "agency__name", "role").first()
        )
        super().save_model(request, obj, form, change)
        if before and before[0] != obj.agency.group_id:
            obj.user.groups.remove(before[0])
        if holds_agency_grants(obj.role):
            obj.user.groups.add(obj.agency.group)
        else:
            obj.user.groups.remove(obj.agency.group)
        now = self._post(obj.agency.name, obj.role)
        if before is None:
            action, message = StaffPostEvent.Action.CREATED, now
        else:
            was = self._post(before[1], before[2])
            if was == now and not form.changed_data:
                return
            action, message = StaffPostEvent.Action.CHANGED, f"{was} → {now}" if was != now else now
        StaffPostEvent.objects.create(
            actor=request.user,
            staff_user=obj.user,
            action=action,
            message=_("%(actor)s为%(user)s%(action)s：%(post)s")
            % {
                "actor": request.user.get_username(),
                "user": obj.user.get_username(),
                "action": StaffPostEvent.Action(action).label,
                "post": message,
            },
        )

    def _deleted(self, request, staff):
        StaffPostEvent.objects.create(
            actor=request.user,
            staff_user=staff.user,
            action=StaffPostEvent.Action.DELETED,
            message=_("%(actor)s为%(user)s%(action)s：%(post)s")
            % {
                "actor": request.user.get_username(),
                "user": staff.user.get_username(),
                "action": StaffPostEvent.Action.DELETED.label,
                "post": self._post(staff.agency.name, staff.role),
            },
        )
        staff.user.groups.remove(staff.agency.group)

    @transaction.atomic
    def delete_model(self, request, obj):
        self._deleted(request, obj)
        super().delete_model(request, obj)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for staff in queryset.select_related("user", "agency"):
            self._deleted(request, staff)
        super().delete_queryset(request, queryset)


@admin.register(StaffPostEvent)
class StaffPostEventAdmin(admin.ModelAdmin):
    """Who gave whom which post: read-only."""

    list_display = ["at", "actor", "staff_user", "action", "message"]
    list_filter = ["action"]
    list_select_related = ["actor", "staff_user"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# viewflow registers its Process and Task admin, which list every flow of every person and let
# a superuser edit a task's status or owner. Flow state changes only through the flows, and
# process rows are read through permissions.selectors on the person pages: no admin for them.
for flow_model in (Process, Task):
    if admin.site.is_registered(flow_model):
        admin.site.unregister(flow_model)


@admin.register(PartyRole)
class PartyRoleAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "agency_kind", "order"]


@admin.register(RecordAccessRule)
class RecordAccessRuleAdmin(admin.ModelAdmin):
    list_display = ["party", "record_type"]
    list_filter = ["party", "record_type"]

    def _rebuild(self, request):
        def rebuild():
            result = rebuild_all_grants()
            messages.info(
                request,
                _("授权已按新矩阵重建：新增 %(a)d 条，撤销 %(r)d 条。")
                % {"a": result.added, "r": result.removed},
            )

        transaction.on_commit(rebuild)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._rebuild(request)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._rebuild(request)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self._rebuild(request)


class ScopedToVisiblePersons(admin.ModelAdmin):
    """Rows about persons, limited to the persons the user may see."""

    person_lookup = "person"

    def get_queryset(self, request):
        visible = visible_persons(request.user).values("pk")
        return super().get_queryset(request).filter(**{f"{self.person_lookup}__in": visible})


class FamilyInline(admin.TabularInline):
    model = FamilyMember
    extra = 0


@admin.register(Person)
class PersonAdmin(ScopedToVisiblePersons):
    person_lookup = "pk"
    list_display = ["name", "sex", "id_number_masked", "region"]
    search_fields = ["name"]
    exclude = ["id_number", "phone", "guarantor_phone"]
    readonly_fields = ["id_number_masked", "phone_masked"]
    list_select_related = ["region"]
    inlines = [FamilyInline]

    def has_add_permission(self, request):
        # New persons come with a decision document, through the registration page and its checks.
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        sync_person_grants([obj.pk])


@admin.register(Episode)
class EpisodeAdmin(ScopedToVisiblePersons):
    list_display = ["person", "kind", "decision_number", "status", "township", "report_deadline"]
    list_filter = ["kind", "status"]
    list_select_related = ["person", "township"]
    raw_id_fields = ["person"]
    # Status changes go through workflows.transitions, never a form field.
    readonly_fields = ["status", "person"]

    def has_add_permission(self, request):
        return False


@admin.register(TeamMember)
class TeamMemberAdmin(ScopedToVisiblePersons):
    person_lookup = "episode__person"
    list_display = ["episode", "role", "user", "name", "start_date", "end_date"]
    list_select_related = ["episode", "role", "user"]
    raw_id_fields = ["episode", "user"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        sync_person_grants([obj.episode.person_id])

    def delete_model(self, request, obj):
        person_id = obj.episode.person_id
        super().delete_model(request, obj)
        sync_person_grants([person_id])


@admin.register(CaseEvent)
class CaseEventAdmin(ScopedToVisiblePersons):
    list_display = ["happened_on", "at", "person", "kind", "message", "actor"]
    list_select_related = ["person", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "person_id", "action", "record_types", "reason", "ip"]
    list_select_related = ["user"]
    list_filter = ["action"]

    def get_queryset(self, request):
        return access_log_visible(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ObligationRule)
class ObligationRuleAdmin(admin.ModelAdmin):
    """The schedule table. A change re-dates open obligations; done ones are history and stay."""

    list_display = [
        "region",
        "episode_kind",
        "term_months_min",
        "term_months_max",
        "obligation_kind",
        "programme_year",
        "interval_months",
    ]
    list_filter = ["episode_kind", "obligation_kind", "programme_year"]
    list_select_related = ["region"]

    def _reschedule(self, request, obj):
        from .obligations import obligations_reschedule
        from .schedule import schedule_shortfalls

        def run():
            moved = obligations_reschedule(region=obj.region, episode_kind=obj.episode_kind)
            messages.info(
                request, _("已按新频次调整 %(n)d 个未办事项的截止日期；已完成的事项不变。") % {"n": moved}
            )

        transaction.on_commit(run)
        # rules.md §2.1: the table must reach each order's minimum number of tests. Read inside
        # the admin's transaction, which already holds the change.
        short = schedule_shortfalls(obj.region, obj.episode_kind)
        if short:
            listed = "、".join(
                _("%(t)d个月（%(p)d次，至少%(m)d次）") % {"t": s.term_months, "p": s.planned, "m": s.minimum}
                for s in short
            )
            messages.warning(
                request,
                _("按%(where)s的频次表，以下期限达不到最少检测次数：%(list)s。")
                % {"where": obj.region.name if obj.region else _("默认"), "list": listed},
            )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._reschedule(request, obj)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._reschedule(request, obj)
