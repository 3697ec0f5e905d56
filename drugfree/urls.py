from django.urls import path

from drugfree import views

urlpatterns = [
    path("drugfree/assessment/", views.assessment_page, name="drugfree_assessment"),
    path("drugfree/assessment/print/", views.assessment_print, name="drugfree_assessment_print"),
    path("drugfree/titles/", views.titles_page, name="drugfree_titles"),
    path("drugfree/titles/named/", views.named_communities, name="drugfree_named"),
    path("drugfree/targets/", views.target_set, name="drugfree_target_set"),
    path("drugfree/communities/<int:community_id>/", views.community_page, name="drugfree_community"),
    path("drugfree/communities/<int:community_id>/apply/", views.application_submit, name="drugfree_apply"),
    path("drugfree/applications/<int:application_id>/step/", views.application_step, name="drugfree_step"),
    path(
        "drugfree/applications/<int:application_id>/evidence/",
        views.application_evidence,
        name="drugfree_application_evidence",
    ),
    path("drugfree/records/<slug:kind>/", views.record_list, name="drugfree_records"),
    path("drugfree/records/<slug:kind>/new/", views.record_new, name="drugfree_record_new"),
    path("drugfree/records/<slug:kind>/export.xlsx", views.record_export, name="drugfree_records_export"),
    path("drugfree/records/<slug:kind>/<int:pk>/evidence/", views.record_evidence, name="drugfree_evidence"),
    path(
        "drugfree/records/inspections/<int:pk>/close/",
        views.inspection_close,
        name="drugfree_inspection_close",
    ),
    path("drugfree/records/scores/<int:year>/print/", views.score_sheet_print, name="drugfree_score_sheet"),
    path("drugfree/records/letters/<int:pk>/print/", views.letter_print, name="drugfree_letter_print"),
]
