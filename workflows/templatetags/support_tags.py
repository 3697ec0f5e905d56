"""The person page's panel for detox certification and referrals (helper h3)."""

from django import template

from casework.models import Certification, Episode

from ..certification import approve_task_for, certifications_of
from ..flows import supervises_township
from ..referrals import employer_visible, referrals_of

register = template.Library()


@register.simple_tag(takes_context=True)
def support_panel(context, person, record_types):
    """Return what the panel shows about a person already let through the door.

    Certifications: one query, for everyone who sees the person. Referrals with outcomes: two
    queries, only of the kinds whose record type the user reads (training: 人社; assistance: 民政).
    """
    user = context["request"].user
    certifications = certifications_of(person)
    approve_task = None
    proposed = next((c for c in certifications if c.status == Certification.Status.PROPOSED), None)
    if (
        proposed is not None
        and context.get("is_supervisor")
        and supervises_township(user, proposed.episode.township)
    ):
        approve_task = approve_task_for(proposed)
    open_episode = next(
        (e for e in context.get("episodes", []) if e.status not in Episode.CLOSED_STATUSES), None
    )
    return {
        "certifications": certifications,
        "approve_task": approve_task,
        "open_episode": open_episode,
        "referrals": referrals_of(person, record_types),
        "show_employer": employer_visible(user),
    }
