from django.urls import path

from workflows import task_views
from workflows.views import (
    absences,
    breaches,
    certification,
    completion,
    records,
    referrals,
    suspensions,
    transfers,
)

urlpatterns = [
    # recording what fulfils a duty
    path("persons/<int:pk>/drug-tests/new/", records.drug_test_new, name="drug_test_new"),
    path("persons/<int:pk>/talks/new/", records.talk_new, name="talk_new"),
    path(
        "records/<str:kind>/<int:pk>/correct/",
        records.record_correct_page,
        name="record_correct",
    ),
    path("records/<str:kind>/<int:pk>/void/", records.record_void_page, name="record_void"),
    path("obligations/<int:pk>/excuse/", records.obligation_excuse_page, name="obligation_excuse"),
    # the flows' human steps
    path("tasks/", task_views.my_tasks, name="my_tasks"),
    path("tasks/calendar/", task_views.work_calendar, name="work_calendar"),
    path("tasks/<int:pk>/", task_views.task_page, name="task_page"),
    path("tasks/<int:pk>/claim/", task_views.task_claim, name="task_claim"),
    path("tasks/<int:pk>/release/", task_views.task_release, name="task_release"),
    # detox certification, referrals to 人社/民政
    path("episodes/<int:pk>/certification/", certification.certification_page, name="certification"),
    path("certifications/<int:pk>/print/", certification.certificate_print, name="certificate_print"),
    path("persons/<int:pk>/referrals/new/", referrals.referral_new, name="referral_new"),
    path("persons/<int:pk>/support/", referrals.person_support, name="person_support"),
    path("referrals/", referrals.referral_list, name="referral_list"),
    path("referrals/<int:pk>/", referrals.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/decide/", referrals.referral_decide, name="referral_decide"),
    path("referrals/<int:pk>/outcomes/new/", referrals.referral_outcome_new, name="referral_outcome_new"),
    path("referrals/<int:pk>/close/", referrals.referral_close, name="referral_close"),
    # breaches and the hand-over package, absences
    path("persons/<int:pk>/breaches/", breaches.person_breaches, name="person_breaches"),
    path("persons/<int:pk>/breaches/new/", breaches.breach_confirm_page, name="breach_confirm"),
    path("persons/<int:pk>/absences/new/", absences.absence_report_page, name="absence_report"),
    path(
        "persons/<int:pk>/absences/unreported/",
        absences.absence_unreported_page,
        name="absence_unreported",
    ),
    path("absences/<int:pk>/return/", absences.absence_return_page, name="absence_return"),
    path("absences/<int:pk>/extend/", absences.absence_extend_page, name="absence_extend"),
    path("handovers/<int:pk>/print/", breaches.handover_print, name="handover_print"),
    # transfer, suspension, termination, follow-up after completion
    path("persons/<int:pk>/transfer/new/", transfers.transfer_new, name="transfer_new"),
    path("transfers/", transfers.transfer_history, name="transfer_history"),
    path("persons/<int:pk>/suspension/new/", suspensions.suspension_new, name="suspension_new"),
    path("persons/<int:pk>/suspension/end/", suspensions.suspension_end_page, name="suspension_end"),
    path("persons/<int:pk>/terminate/", suspensions.episode_terminate_page, name="episode_terminate"),
    path("follow-up/", completion.follow_up_list, name="follow_up_list"),
    path("persons/<int:pk>/relapse/", completion.follow_up_relapse_page, name="follow_up_relapse"),
]
