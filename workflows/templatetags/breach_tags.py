"""Template filters for the breach counter."""

from django import template

from workflows.branches.breaches import counters_of

register = template.Library()


@register.filter
def breach_counters(episode):
    """Return the BreachCounters of an episode annotated by `episodes_with_counters` (no query)."""
    return counters_of(episode)
