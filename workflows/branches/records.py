"""Recording what fulfils a duty, with the life cycle's reaction to it.

The obligations layer saves the test and moves the schedule; what a result means for the
episode is decided here, one layer up: a positive test is a relapse, reported to the police
at once (戒毒条例 art 21; 禁毒法 art 35), and a refused or evaded one opens the follow-up step
in which the work station decides whether it is a breach.
"""

from django.db import transaction

from casework.models import DrugTest, Episode, HandOver
from obligations.services import drug_test_save
from workflows.branches.breaches import handover_open
from workflows.flows import FollowUpFlow


@transaction.atomic
def drug_test_record(
    *, actor, episode: Episode, obligation_id: int | None = None, ad_hoc: bool = False, **fields
) -> DrugTest:
    """Save a drug test (see `drug_test_save`) and start what its result calls for."""
    test = drug_test_save(actor=actor, episode=episode, obligation_id=obligation_id, ad_hoc=ad_hoc, **fields)
    if test.result == DrugTest.Result.POSITIVE:
        handover_open(actor=actor, episode=test.episode, reason=HandOver.Reason.RELAPSE, drug_test=test)
    elif test.result in DrugTest.FOLLOW_UP_RESULTS:
        FollowUpFlow.start.run(episode=test.episode, drug_test=test)
    return test
