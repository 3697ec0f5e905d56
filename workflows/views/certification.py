"""Detox certification: the check of its conditions, the proposal and the certificate (rules.md §3.1)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from casework.errors import RecordRefused
from casework.models import Certification, Episode
from permissions import selectors
from permissions.gate import person_gate
from permissions.models import AccessLog
from permissions.services import access_log_write
from workflows.branches.certification import (
    certification_check,
    certification_propose,
)
from workflows.forms.certification import CertificationProposeForm
from workflows.pages import work_station_person
from workflows.submissions import AlreadyRecorded, already_recorded_page, submission_key_add, submitted_once


@require_http_methods(["GET", "POST"])
def certification_page(request, pk):
    """The criteria check and, when met, the proposal to the 禁毒办 (rules.md §3.1).

    A second identical post answers "already recorded" and proposes nothing.
    """
    episode = Episode.objects.select_related("township", "community").filter(pk=pk).first()
    if episode is None:
        raise Http404
    episode.person = work_station_person(request, episode.person_id, act="act_work_station")
    today = timezone.localdate()
    form = submission_key_add(CertificationProposeForm(request.POST or None, initial={"proposed_on": today}))
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                submitted_once(
                    key=data["submission_key"],
                    user=request.user,
                    save=lambda: certification_propose(
                        actor=request.user, episode=episode, summary=data["summary"], on=data["proposed_on"]
                    ),
                    record_url=lambda c: reverse("person_support", args=[episode.person_id]),
                )
            except AlreadyRecorded as repeat:
                return already_recorded_page(
                    request, person=episode.person, submission=repeat.submission, title=_("提请脱毒认定")
                )
            except RecordRefused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("已提请脱毒认定，等待禁毒办审批。"))
                return redirect("person_detail", pk=episode.person_id)
        else:
            messages.error(request, _("请更正下列标红的内容，信息尚未保存。"))
    # The criteria summarise the person's tests and breaches: a read of the file, logged.
    access_log_write(
        request=request,
        person_ids=[episode.person_id],
        action=AccessLog.Action.DETAIL,
        record_types=["certification"],
    )
    live = (
        Certification.objects.filter(
            episode=episode, status__in=[Certification.Status.PROPOSED, Certification.Status.APPROVED]
        )
        .order_by("-id")
        .first()
    )
    return render(
        request,
        "certification/propose.html",
        {
            "episode": episode,
            "person": episode.person,
            "check": certification_check(episode, today),
            "live": live,
            "form": form,
        },
    )


def certificate_print(request, pk):
    """The approved certification as an A4 certificate."""
    certification = (
        Certification.objects.select_related(
            "episode__person", "episode__township", "episode__community", "decided_by", "proposed_by"
        )
        .filter(pk=pk, status=Certification.Status.APPROVED)
        .first()
    )
    if certification is None:
        raise Http404
    episode = certification.episode
    person = person_gate(request.user, episode.person_id).person
    access_log_write(
        request=request, person_ids=[person.pk], action=AccessLog.Action.PRINT, record_types=["certification"]
    )
    supervisor = selectors.staff_for(certification.decided_by) if certification.decided_by else None
    return render(
        request,
        "print/certificate.html",
        {
            "certification": certification,
            "episode": episode,
            "person": person,
            "criteria": certification.criteria.get("criteria", []),
            "supervisor_agency": supervisor.agency.name if supervisor else "",
        },
    )
