"""After completion: the three-year follow-up list and a relapse after release (戒毒条例 arts 23, 40)."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from casework.models import Episode
from permissions import selectors
from workflows.branches.completion import (
    FOLLOW_UP_LABELS,
    follow_up_episodes,
    follow_up_relapse,
    follow_up_status,
    three_years_on,
)
from workflows.forms.completion import RelapseForm
from workflows.pages import form_page, person_to_act_on

FOLLOW_UP_PAGE = 50


def follow_up_list(request):
    """Persons after completion, until 3 years without relapse (rules.md §1.12)."""
    if selectors.staff_for(request.user) is None:
        raise Http404
    today = timezone.localdate()
    episodes = follow_up_episodes(request.user).order_by("start_date", "pk")
    page = Paginator(episodes, FOLLOW_UP_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "episode": e,
            "person": e.person,
            "three_years_on": three_years_on(e),
            "status": (status := follow_up_status(e, today)),
            "label": FOLLOW_UP_LABELS[status],
        }
        for e in page
    ]
    return render(request, "lifecycle/follow_up.html", {"page": page, "rows": rows, "today": today})


@require_http_methods(["GET", "POST"])
def follow_up_relapse_page(request, pk):
    """Record a relapse during the follow-up after completion."""
    person, episode = person_to_act_on(request, pk)
    if episode.status != Episode.Status.COMPLETED:
        raise Http404
    form = RelapseForm(request.POST or None)
    return form_page(
        request,
        person=person,
        form=form,
        title=_("登记解除后复吸"),
        help_text=_("解除后三年内复吸的，不再计入戒断三年未复吸。"),
        save=lambda data: follow_up_relapse(
            actor=request.user, episode=episode, relapsed_on=data["relapsed_on"], note=data["note"]
        ),
        success=_("已登记解除后复吸。"),
    )
