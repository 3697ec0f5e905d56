from django.contrib.auth import views as auth_views
from django.urls import path

from permissions.forms import LoginForm

from . import oversight_views, records, steps, views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(authentication_form=LoginForm), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("persons/", views.person_list, name="person_list"),
    path("persons/new/", views.person_register, name="person_register"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/records/", views.person_records, name="person_records"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("persons/<int:pk>/access/", views.person_access_tab, name="person_access"),
    path("persons/<int:pk>/episodes/new/", views.episode_add, name="episode_add"),
    path("persons/<int:pk>/drug-tests/new/", records.drug_test_new, name="drug_test_new"),
    path("persons/<int:pk>/talks/new/", records.talk_new, name="talk_new"),
    path("obligations/<int:pk>/excuse/", records.obligation_excuse_page, name="obligation_excuse"),
    path("tasks/", steps.my_tasks, name="my_tasks"),
    path("tasks/<int:pk>/", steps.task_page, name="task_page"),
    path("tasks/<int:pk>/claim/", steps.task_claim, name="task_claim"),
    path("tasks/<int:pk>/release/", steps.task_release, name="task_release"),
    path("episodes/<int:pk>/agreement/print/", views.agreement_print, name="agreement_print"),
    path("episodes/<int:pk>/plan/print/", views.plan_print, name="plan_print"),
    path("oversight/overdue/", oversight_views.overdue_audit, name="overdue_audit"),
    path("oversight/overdue/export.xlsx", oversight_views.overdue_export, name="overdue_export"),
    path("oversight/rates/", oversight_views.rates_page, name="rates"),
    path("oversight/rates/export.xlsx", oversight_views.rates_export, name="rates_export"),
    path("oversight/scoreboard/", oversight_views.scoreboard_page, name="scoreboard"),
    path("access-log/", views.access_log, name="access_log"),
]

# --- Issue 6 (helper h4): messages, monthly reports ---------------------------------------------
from . import monthly_views, notification_views  # noqa: E402

urlpatterns += [
    path("messages/", notification_views.notification_list, name="notifications"),
    path("messages/<int:pk>/read/", notification_views.notification_read, name="notification_read"),
    path("messages/read-all/", notification_views.notifications_read_all, name="notifications_read_all"),
    path("oversight/monthly-report/", monthly_views.monthly_report_page, name="monthly_report"),
    path(
        "oversight/monthly-report/<int:township>/<int:year>-<int:month>.pdf",
        monthly_views.monthly_report_pdf,
        name="monthly_report_pdf",
    ),
]

# --- Detox certification and referrals to 人社/民政 (helper h3) ---
from . import support_views  # noqa: E402

urlpatterns += [
    path("episodes/<int:pk>/certification/", support_views.certification_page, name="certification"),
    path("certifications/<int:pk>/print/", support_views.certificate_print, name="certificate_print"),
    path("persons/<int:pk>/referrals/new/", support_views.referral_new, name="referral_new"),
    path("persons/<int:pk>/support/", support_views.person_support, name="person_support"),
    path("referrals/", support_views.referral_list, name="referral_list"),
    path("referrals/<int:pk>/", support_views.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/decide/", support_views.referral_decide, name="referral_decide"),
    path("referrals/<int:pk>/outcomes/new/", support_views.referral_outcome_new, name="referral_outcome_new"),
    path("referrals/<int:pk>/close/", support_views.referral_close, name="referral_close"),
]

# --- Breaches, hand-over package, absences (helper h1) ---
from . import breach_views  # noqa: E402

urlpatterns += [
    path("persons/<int:pk>/breaches/", breach_views.person_breaches, name="person_breaches"),
    path("persons/<int:pk>/breaches/new/", breach_views.breach_confirm_page, name="breach_confirm"),
    path("persons/<int:pk>/absences/new/", breach_views.absence_report_page, name="absence_report"),
    path(
        "persons/<int:pk>/absences/unreported/",
        breach_views.absence_unreported_page,
        name="absence_unreported",
    ),
    path("absences/<int:pk>/return/", breach_views.absence_return_page, name="absence_return"),
    path("absences/<int:pk>/extend/", breach_views.absence_extend_page, name="absence_extend"),
    path("handovers/<int:pk>/print/", breach_views.handover_print, name="handover_print"),
]

# --- Transfer, suspension, termination, follow-up after completion (helper h2) ---
from . import lifecycle_views  # noqa: E402

urlpatterns += [
    path("persons/<int:pk>/transfer/new/", lifecycle_views.transfer_new, name="transfer_new"),
    path("transfers/", lifecycle_views.transfer_history, name="transfer_history"),
    path("persons/<int:pk>/suspension/new/", lifecycle_views.suspension_new, name="suspension_new"),
    path("persons/<int:pk>/suspension/end/", lifecycle_views.suspension_end_page, name="suspension_end"),
    path("persons/<int:pk>/terminate/", lifecycle_views.episode_terminate_page, name="episode_terminate"),
    path("follow-up/", lifecycle_views.follow_up_list, name="follow_up_list"),
    path("persons/<int:pk>/relapse/", lifecycle_views.follow_up_relapse_page, name="follow_up_relapse"),
]
