"""Changes of the place of execution and their history (戒毒条例 art 22)."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from permissions import selectors
from permissions.gate import person_gate
from workflows.branches.transfers import (
    is_work_station_of,
    may_see_transfer_history,
    transfer_request,
    transfers_of_township,
)
from workflows.forms.transfers import TransferRequestForm
from workflows.pages import current_episode, form_page


@require_http_methods(["GET", "POST"])
def transfer_new(request, pk):
    """Request a change of execution place (戒毒条例 art 22): the current work station only."""
    person = person_gate(request.user, pk).person
    episode = current_episode(person)
    if not is_work_station_of(request.user, episode.township_id):
        raise Http404
    form = TransferRequestForm(request.POST or None, episode=episode)

    def save(data):
        transfer_request(
            actor=request.user,
            episode=episode,
            to_township=data["to_township"],
            reason=data["reason"],
            on=data["requested_on"],
            new_address=data["new_address"],
        )

    return form_page(
        request,
        person=person,
        form=form,
        title=_("申请变更执行地"),
        help_text=_(
            "由接收地工作站同意接收后，须在15日内到新执行地报到并重新签订协议，期限连续计算（《戒毒条例》第二十二条）。"
        ),
        save=save,
        success=_("已提出变更执行地申请，待接收地工作站办理。"),
    )


def transfer_history(request):
    """转出/转入记录: transfers from or to the user's township, whoever holds the person now."""
    staff = selectors.staff_for(request.user)
    if not may_see_transfer_history(request.user):
        raise Http404
    rows = transfers_of_township(request.user).select_related(
        "person", "from_township", "to_township", "to_community"
    )
    page = Paginator(rows.order_by("-requested_on", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "lifecycle/transfer_history.html",
        {"page": page, "township_id": staff.agency.region_id},
    )
