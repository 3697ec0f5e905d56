"""Writes of the records. Each write records a case event in the same transaction.

These are the building blocks; `workflows.branches.intake` composes them with the
grant updates and status transitions that must happen at the same time.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from casework import deadlines
from casework.models import CaseEvent, Episode, Person, Region
from casework.selectors import deadline_rule


def event_record(
    *,
    person: Person,
    actor,
    kind: str,
    message: str,
    episode: Episode | None = None,
    happened_on: date | None = None,
    **data,
) -> CaseEvent:
    """Append one line to the person's timeline, dated the day the thing happened (default today;
    a talk held on 3 March and recorded on 5 March is a line of 3 March, recorded on the 5th).

    A kind `CaseEvent.Kind` does not know is refused: it would have no record type to decide
    who reads it (permissions.kinds).
    """
    if kind not in CaseEvent.Kind.values:
        raise ValueError(f"unknown case event kind: {kind!r}")
    return CaseEvent.objects.create(
        person=person,
        episode=episode,
        actor=actor,
        kind=kind,
        message=message[:300],
        happened_on=happened_on or timezone.localdate(),
        data=data,
    )


@transaction.atomic
def person_create(*, actor, **fields) -> Person:
    person = Person(**fields)
    person.full_clean()
    person.save()
    event_record(person=person, actor=actor, kind="person_created", message="建立档案")
    return person


@transaction.atomic
def person_update(*, actor, person: Person, changed: list[str]) -> Person:
    """Save a person whose fields a form already set; the event names the fields, not their values."""
    person.full_clean()
    person.save()
    if changed:
        labels = [str(Person._meta.get_field(name).verbose_name) for name in changed]
        event_record(
            person=person,
            actor=actor,
            kind="person_updated",
            message="修改档案：" + "、".join(labels),
            fields=changed,
        )
    return person


@transaction.atomic
def episode_create(
    *,
    actor,
    person: Person,
    kind: str,
    decision_number: str,
    decision_date: date,
    issuing_authority: str,
    served_on: date,
    term_months: int,
    community: Region,
) -> Episode:
    """Register a decision: the episode starts in 'decided' with its reporting-in deadline set."""
    township = Region.objects.get_parent(community)
    days, count = deadline_rule(township, "report_in")
    episode = Episode(
        person=person,
        kind=kind,
        decision_number=decision_number,
        decision_date=decision_date,
        issuing_authority=issuing_authority,
        served_on=served_on,
        term_months=deadlines.DETOX_TERM_MONTHS if kind == Episode.Kind.DETOX else term_months,
        township=township,
        community=community,
        report_deadline=deadlines.report_deadline(served_on, days, count),
        report_period_days=days,
        report_day_count=count,
        status=Episode.Status.DECIDED,
    )
    episode.full_clean()
    episode.save()
    if person.region_id != community.pk:
        person.region = community
        person.save(update_fields=["region", "updated_at"])
    event_record(
        person=person,
        episode=episode,
        actor=actor,
        kind="decision_registered",
        message=f"登记{episode.get_kind_display()}决定书 {decision_number}，报到期限 {date_format(episode.report_deadline)}"
        + (f"（{basis}）" if (basis := deadlines.period_label(days, count)) else ""),
    )
    return episode
