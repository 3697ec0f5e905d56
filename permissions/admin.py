"""The admin pages whose rows or effects go through the one door: staff posts (they decide
the agency grants), the record-type matrix, the access log, and the rows about persons, limited
to the persons the user may see. A superuser without a staff post sees no person."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from casework.models import (
    CaseEvent,
    Episode,
    FamilyMember,
    Person,
    Staff,
    StaffPostEvent,
    TeamMember,
)
from permissions.models import AccessLog, RecordAccessRule
from permissions.selectors import access_log_visible, visible_persons
from permissions.services import holds_agency_grants, rebuild_all_grants, sync_person_grants


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
    list_display = ["at", "user", "person_id", "action", "record_types", "reason", "ip", "token_name"]
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
