"""The API's routes under /api/, and the token settings page.

DRF authenticates API requests itself (token or session), so the API is outside the pages'
login redirect: an anonymous call answers 401 in the error shape, not a login page.
"""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from api import pages
from api.views import oversight, persons, records, referrals, tokens, work


def api(view_class, **initkwargs):
    return login_not_required(view_class.as_view(**initkwargs))


v1 = [
    path("persons/", api(persons.PersonList), name="person-list"),
    path("persons/<int:pk>/", api(persons.PersonDetail), name="person-detail"),
    path("persons/<int:pk>/reveal/", api(persons.PersonReveal), name="person-reveal"),
    path("persons/<int:pk>/episodes/", api(persons.PersonEpisodes), name="person-episodes"),
    path("persons/<int:pk>/team/", api(persons.PersonTeam), name="person-team"),
    path("persons/<int:pk>/due/", api(persons.PersonDue), name="person-due"),
    path(
        "persons/<int:pk>/transfer-request/",
        api(persons.PersonTransferRequest),
        name="person-transfer-request",
    ),
    path("persons/<int:pk>/drug-tests/", api(records.PersonDrugTests), name="person-drug-tests"),
    path("persons/<int:pk>/talks/", api(records.PersonTalks), name="person-talks"),
    path("drug-tests/", api(records.DrugTestList), name="drug-test-list"),
    path("drug-tests/<int:pk>/", api(records.DrugTestDetail), name="drug-test-detail"),
    path("talks/", api(records.TalkList), name="talk-list"),
    path("talks/<int:pk>/", api(records.TalkDetail), name="talk-detail"),
    path("my/tasks/", api(work.MyTasks), name="my-tasks"),
    path("my/tasks/<int:pk>/claim/", api(work.TaskClaim), name="task-claim"),
    path("my/tasks/<int:pk>/release/", api(work.TaskRelease), name="task-release"),
    path("my/duties/", api(work.MyDuties), name="my-duties"),
    path("referrals/", api(referrals.ReferralList), name="referral-list"),
    path("referrals/<int:pk>/", api(referrals.ReferralDetail), name="referral-detail"),
    path("referrals/<int:pk>/decision/", api(referrals.ReferralDecision), name="referral-decision"),
    path("referrals/<int:pk>/outcomes/", api(referrals.ReferralOutcomes), name="referral-outcomes"),
    path("oversight/rates/", api(oversight.Rates), name="rates"),
    path("oversight/overdue/", api(oversight.Overdue), name="overdue"),
    path("tokens/", api(tokens.TokenList), name="token-list"),
    path("tokens/<str:token_key>/", api(tokens.TokenRevoke), name="token-revoke"),
]

api_patterns = [
    path("v1/", include(v1)),
    path("schema/", api(SpectacularAPIView), name="schema"),
    path("docs/", api(SpectacularSwaggerSplitView, url_name="api:schema"), name="docs"),
    path("redoc/", api(SpectacularRedocView, url_name="api:schema"), name="redoc"),
]

urlpatterns = [
    path("api/", include((api_patterns, "api"))),
    path("settings/tokens/", pages.api_tokens, name="api_tokens"),
    path("settings/tokens/<str:token_key>/revoke/", pages.api_token_revoke, name="api_token_revoke"),
]
