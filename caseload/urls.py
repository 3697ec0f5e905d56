from django.urls import path

from caseload import views

urlpatterns = [
    path("caseload/template.xlsx", views.template_download, name="caseload_template"),
    path("caseload/import/", views.import_upload, name="caseload_upload"),
    path("caseload/import/<int:pk>/", views.import_preview, name="caseload_preview"),
    path("caseload/import/<int:pk>/commit/", views.import_commit, name="caseload_commit"),
    path("persons/<int:pk>/casefile/", views.casefile_pdf, name="casefile_pdf"),
    path("caseload/casefiles/", views.archive_page, name="casefile_archive"),
    path("caseload/casefiles/<int:pk>/", views.archive_progress, name="casefile_archive_progress"),
    path("caseload/casefiles/<int:pk>/download/", views.archive_download, name="casefile_archive_download"),
]
