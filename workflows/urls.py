from django.urls import path

from workflows import breach_views, lifecycle_views, records, support_views, task_views

urlpatterns = [
    # recording what fulfils a duty
    path("persons/<int:pk>/drug-tests/new/", records.drug_test_new, name="drug_test_new"),
    path("persons/<int:pk>/talks/new/", records.talk_new, name="talk_new"),
    path("obligations/<int:pk>/excuse/", records.obligation_excuse_page, name="obligation_excuse"),
    # the flows' human steps
    path("tasks/", task_views.my_tasks, name="my_tasks"),
    path("tasks/<int:pk>/", task_views.task_page, name="task_page"),
    path("tasks/<int:pk>/claim/", task_views.task_claim, name="task_claim"),
    path("tasks/<int:pk>/release/", task_views.task_release, name="task_release"),
    # detox certification, referrals to 人社/民政
    path("episodes/<int:pk>/certification/", support_views.certification_page, name="certification"),
    path("certifications/<int:pk>/print/", support_views.certificate_print, name="certificate_print"),
    path("persons/<int:pk>/referrals/new/", support_views.referral_new, name="referral_new"),
    path("persons/<int:pk>/support/", support_views.person_support, name="person_support"),
    path("referrals/", support_views.referral_list, name="referral_list"),
    path("referrals/<int:pk>/", support_views.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/decide/", support_views.referral_decide, name="referral_decide"),
    path("referrals/<int:pk>/outcomes/new/", support_views.referral_outcome_new, name="referral_outcome_new"),
    path("referrals/<int:pk>/close/", support_views.referral_close, name="referral_close"),
    # breaches and the hand-over package, absences
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
    # transfer, suspension, termination, follow-up after completion
    path("persons/<int:pk>/transfer/new/", lifecycle_views.transfer_new, name="transfer_new"),
    path("transfers/", lifecycle_views.transfer_history, name="transfer_history"),
    path("persons/<int:pk>/suspension/new/", lifecycle_views.suspension_new, name="suspension_new"),
    path("persons/<int:pk>/suspension/end/", lifecycle_views.suspension_end_page, name="suspension_end"),
    path("persons/<int:pk>/terminate/", lifecycle_views.episode_terminate_page, name="episode_terminate"),
    path("follow-up/", lifecycle_views.follow_up_list, name="follow_up_list"),
    path("persons/<int:pk>/relapse/", lifecycle_views.follow_up_relapse_page, name="follow_up_relapse"),
]
