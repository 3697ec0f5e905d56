"""The admin of the schedule table (频次表) and the record of the daily scans."""

from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from casework.models import (
    ObligationRule,
)
from obligations.models import ScanRun


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
        from obligations.schedule import schedule_shortfalls
        from obligations.services import obligations_reschedule

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


@admin.register(ScanRun)
class ScanRunAdmin(admin.ModelAdmin):
    """Each daily scan with what it changed: read-only, written by the scan alone."""

    list_display = ["as_of", "marked", "reminders", "seconds", "finished_at"]
    date_hierarchy = "as_of"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
