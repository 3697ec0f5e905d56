from django.urls import path

from persons import views

urlpatterns = [
    path("", views.home, name="home"),
    path("persons/", views.person_list, name="person_list"),
    path("persons/export/", views.person_export, name="person_export"),
    path("persons/new/id-check/", views.person_id_check, name="person_id_check"),
    path("persons/new/", views.person_register, name="person_register"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/records/", views.person_records, name="person_records"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("persons/<int:pk>/access/", views.person_access_tab, name="person_access"),
    path("persons/<int:pk>/episodes/new/", views.episode_add, name="episode_add"),
    path("episodes/<int:pk>/agreement/print/", views.agreement_print, name="agreement_print"),
    path("episodes/<int:pk>/plan/print/", views.plan_print, name="plan_print"),
    path("access-log/", views.access_log, name="access_log"),
    path("session/alive/", views.session_alive, name="session_alive"),
]
