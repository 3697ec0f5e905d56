"""Pages for transfer, suspension, termination and the follow-up after completion (helper h2).

Every person is read through `permissions.selectors` (404 when not visible); an action needs the
agency's act grant on the person (work station or police), else 404 too. The flow steps
(accept or decline, report at the new place, new agreement, file to the police, release notice)
are pages of `workflows.registry.task_page`.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from casework.errors import RecordRefused
from casework.models import Episode, Suspension
from permissions import selectors
from permissions.gate import person_gate
from workflows import lifecycle_forms
from workflows.branches.completion import (
    FOLLOW_UP_LABELS,
    follow_up_episodes,
    follow_up_relapse,
    follow_up_status,
    three_years_on,
)
from workflows.branches.suspensions import ACT_CODENAMES, episode_terminate, suspension_end, suspension_start
from workflows.branches.transfers import (
    is_work_station_of,
    may_see_transfer_history,
    transfer_request,
    transfers_of_township,
)
from workflows.submissions import (
    AlreadyRecorded,
    already_recorded_page,
    repeated_post,
    submission_key_add,
    submitted_once,
)
from workflows.transitions import TransitionNotAllowed


def _current_episode(person) -> Episode:
    episode = selectors.person_episodes(person).first()
    if episode is None:
        raise Http404
    return episode


def _person_to_act_on(request, pk) -> tuple:
    """Return (person, current episode) for an agency that acts on the person's file; else 404."""
    person = person_gate(request.user, pk, act=ACT_CODENAMES).person
    return person, _current_episode(person)


def _action_page(request, *, person, form, title, help_text, save, success):
    """Render the form; on a valid POST call `save`, turning domain refusals into a message.

    A second identical post (the same rendered form's key) answers "already recorded" and
    nothing moves: no second record, event or change of status.
    """
    form = submission_key_add(form)
    if request.method == "POST":
        if form.is_valid():
            try:
                submitted_once(
                    key=form.cleaned_data["submission_key"],
                    user=request.user,
                    save=lambda: save(form.cleaned_data),
                    record_url=lambda _saved: reverse("person_detail", args=[person.pk]),
                )
            except AlreadyRecorded as repeat:
                return already_recorded_page(
                    request, person=person, submission=repeat.submission, title=title
                )
            except (RecordRefused, TransitionNotAllowed) as exc:
                messages.error(request, str(exc))
            except PermissionDenied:
                raise Http404 from None
            else:
                messages.success(request, success)
                return redirect("person_detail", pk=person.pk)
        else:
            messages.error(request, _("请更正下列标红的内容，信息尚未保存。"))
    return render(
        request, "lifecycle/form.html", {"form": form, "person": person, "title": title, "help": help_text}
    )


@require_http_methods(["GET", "POST"])
def transfer_new(request, pk):
    """Request a change of execution place (戒毒条例 art 22): the current work station only."""
    person = person_gate(request.user, pk).person
    episode = _current_episode(person)
    if not is_work_station_of(request.user, episode.township_id):
        raise Http404
    form = lifecycle_forms.TransferRequestForm(request.POST or None, episode=episode)

    def save(data):
        transfer_request(
            request.user,
            episode,
            data["to_township"],
            data["reason"],
            data["requested_on"],
            data["new_address"],
        )

    return _action_page(
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


@require_http_methods(["GET", "POST"])
def suspension_new(request, pk):
    """Suspend the measure for detention or arrest (戒毒条例 art 24)."""
    person, episode = _person_to_act_on(request, pk)
    form = lifecycle_forms.SuspensionForm(request.POST or None)

    def save(data):
        suspension_start(
            request.user, episode, data["reason"], data["starts_on"], data["place"], data["documents"]
        )

    return _action_page(
        request,
        person=person,
        form=form,
        title=_("中止执行(拘留、逮捕)"),
        help_text=_(
            "被依法拘留、逮捕的，社区戒毒中止，释放后继续执行（《戒毒条例》第二十四条）。中止期间应办事项暂停。"
        ),
        save=save,
        success=_("已中止执行。"),
    )


@require_http_methods(["GET", "POST"])
def suspension_end_page(request, pk):
    """Release: the measure continues (戒毒条例 art 24)."""
    person, episode = _person_to_act_on(request, pk)
    suspension = Suspension.objects.filter(episode=episode, ends_on__isnull=True).first()
    if suspension is None:
        if repeat := repeated_post(request):
            return already_recorded_page(request, person=person, submission=repeat, title=_("释放后恢复执行"))
        raise Http404
    form = lifecycle_forms.SuspensionEndForm(request.POST or None)
    return _action_page(
        request,
        person=person,
        form=form,
        title=_("释放后恢复执行"),
        help_text=_("中止日期：%(day)s（%(place)s）。")
        % {"day": suspension.starts_on, "place": suspension.place},
        save=lambda data: suspension_end(request.user, suspension, data["ends_on"]),
        success=_("已恢复执行，应办事项已重新安排。"),
    )


@require_http_methods(["GET", "POST"])
def episode_terminate_page(request, pk):
    """End the episode: imprisonment, compulsory education (art 24), 强戒, death, leaving the country."""
    person, episode = _person_to_act_on(request, pk)
    form = lifecycle_forms.TerminationForm(request.POST or None)
    return _action_page(
        request,
        person=person,
        form=form,
        title=_("终止执行"),
        help_text=_("收监执行刑罚、被依法采取强制性教育措施的，社区戒毒终止（《戒毒条例》第二十四条）。"),
        save=lambda data: episode_terminate(
            request.user, episode, data["reason"], data["closed_on"], data["documents"]
        ),
        success=_("已登记执行结束。"),
    )


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
    person, episode = _person_to_act_on(request, pk)
    if episode.status != Episode.Status.COMPLETED:
        raise Http404
    form = lifecycle_forms.RelapseForm(request.POST or None)
    return _action_page(
        request,
        person=person,
        form=form,
        title=_("登记解除后复吸"),
        help_text=_("解除后三年内复吸的，不再计入戒断三年未复吸。"),
        save=lambda data: follow_up_relapse(request.user, episode, data["relapsed_on"], data["note"]),
        success=_("已登记解除后复吸。"),
    )
