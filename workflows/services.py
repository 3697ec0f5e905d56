"""Orchestration of writes that span the registry and the grants."""

from django.db import transaction

from casework import services as casework_services
from casework.models import Episode, Person
from permissions.services import sync_person_grants
from workflows.flows import IntakeFlow


@transaction.atomic
def decision_register(*, actor, person_form, episode_form) -> Episode:
    """Create the person (if new) and the episode from a decision document; grant access to match."""
    community = episode_form.cleaned_data["community"]
    person = person_form.instance
    if person.pk is None:
        person = person_form.save(commit=False)
        person.region = community
        person = casework_services.person_create(
            actor=actor,
            **{f.name: getattr(person, f.name) for f in Person._meta.concrete_fields if f.name != "id"},
        )
    data = {k: v for k, v in episode_form.cleaned_data.items() if k != "community"}
    episode = casework_services.episode_create(actor=actor, person=person, community=community, **data)
    sync_person_grants([person.pk])
    IntakeFlow.start.run(episode=episode)
    return episode


@transaction.atomic
def person_edit(*, actor, person_form) -> Person:
    """Save edits to a person's file; regions feed the police grants, so resync them."""
    person = person_form.save(commit=False)
    person = casework_services.person_update(
        actor=actor, person=person, changed=list(person_form.changed_data)
    )
    if {"residence_region", "household_region"} & set(person_form.changed_data):
        sync_person_grants([person.pk])
    return person
