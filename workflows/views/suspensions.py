"""Suspension (detention, arrest) and termination of an episode (戒毒条例 art 24)."""

from django.http import Http404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from casework.models import Suspension
from workflows.branches.suspensions import episode_terminate, suspension_end, suspension_start
from workflows.forms.suspensions import SuspensionEndForm, SuspensionForm, TerminationForm
from workflows.pages import form_page, person_to_act_on
from workflows.submissions import (
    already_recorded_page,
    repeated_post,
)


@require_http_methods(["GET", "POST"])
def suspension_new(request, pk):
    """Suspend the measure for detention or arrest (戒毒条例 art 24)."""
    person, episode = person_to_act_on(request, pk)
    form = SuspensionForm(request.POST or None)

    def save(data):
        suspension_start(
            actor=request.user,
            episode=episode,
            reason=data["reason"],
            starts_on=data["starts_on"],
            place=data["place"],
            documents=data["documents"],
        )

    return form_page(
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
    person, episode = person_to_act_on(request, pk)
    suspension = Suspension.objects.filter(episode=episode, ends_on__isnull=True).first()
    if suspension is None:
        if repeat := repeated_post(request):
            return already_recorded_page(request, person=person, submission=repeat, title=_("释放后恢复执行"))
        raise Http404
    form = SuspensionEndForm(request.POST or None)
    return form_page(
        request,
        person=person,
        form=form,
        title=_("释放后恢复执行"),
        help_text=_("中止日期：%(day)s（%(place)s）。")
        % {"day": suspension.starts_on, "place": suspension.place},
        save=lambda data: suspension_end(actor=request.user, suspension=suspension, ends_on=data["ends_on"]),
        success=_("已恢复执行，应办事项已重新安排。"),
    )


@require_http_methods(["GET", "POST"])
def episode_terminate_page(request, pk):
    """End the episode: imprisonment, compulsory education (art 24), 强戒, death, leaving the country."""
    person, episode = person_to_act_on(request, pk)
    form = TerminationForm(request.POST or None)
    return form_page(
        request,
        person=person,
        form=form,
        title=_("终止执行"),
        help_text=_("收监执行刑罚、被依法采取强制性教育措施的，社区戒毒终止（《戒毒条例》第二十四条）。"),
        save=lambda data: episode_terminate(
            actor=request.user,
            episode=episode,
            reason=data["reason"],
            on=data["closed_on"],
            documents=data["documents"],
        ),
        success=_("已登记执行结束。"),
    )
