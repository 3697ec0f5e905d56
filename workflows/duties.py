"""Starting an episode's recurring duties: the first obligations from the schedule table, and
the work station told when the table falls short of the order's minimum of tests (rules.md §2.1).

Composed here, above both, so that the obligations layer never writes messages itself.
"""

from casework.models import Episode, Obligation, ObligationKind
from notifications.models import Notification
from notifications.services import station_notify
from obligations.services import obligations_open_first, schedule_short_record


def duties_start(episode: Episode) -> list[Obligation]:
    created = obligations_open_first(episode)
    text = schedule_short_record(episode)
    if text is not None:
        first_test = next((o for o in created if o.kind == ObligationKind.DRUG_TEST), None)
        station_notify(episode.township_id, text, kind=Notification.Kind.SCHEDULE, obligation=first_test)
    return created
