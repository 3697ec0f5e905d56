"""Row locks taken in one fixed order: the episode first, then the records under it.

Every write that changes an episode or its records locks the episode row before any record
row (SELECT ... FOR UPDATE): two writers on the same case then queue on the same first row
instead of each holding a row the other wants (a deadlock). Inside the lock the writer reads
the fresh state and refuses what is no longer allowed.
"""

from casework.models import Episode


def episode_lock(episode: Episode | int) -> Episode:
    """Lock the episode row (with its person and township, read in the same statement) and
    return its current state. Must be called inside a transaction, before any record lock."""
    pk = episode if isinstance(episode, int) else episode.pk
    # of=("self",): the joined person and township rows are read, not locked; locking the
    # township would queue every write in the township behind one another.
    return Episode.objects.select_for_update(of=("self",)).select_related("person", "township").get(pk=pk)
