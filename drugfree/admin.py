"""The programme's settings in the admin: targets per region (blank inherits, then the seed's values)."""

from django.contrib import admin

from drugfree.models import ProgrammeSettings


@admin.register(ProgrammeSettings)
class ProgrammeSettingsAdmin(admin.ModelAdmin):
    list_display = ["region", "awareness_village_target", "compulsory_rate_floor", "county_titles_per_year"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    search_fields = ["region__name"]
