"""Referrals to 人社 and 民政, their decisions, outcomes and closure (禁毒法 art 34, 戒毒条例 arts 18, 39)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from casework.errors import RecordRefused
from casework.models import Agency, Certification, Episode
from notifications.models import Notification
from permissions import selectors
from permissions.gate import person_gate
from permissions.models import AccessLog
from permissions.services import access_log_write
from workflows.branches import referrals as referral_services
from workflows.branches.certification import (
    CERTIFIABLE,
    approve_task_for,
    certifications_of,
)
from workflows.flows import supervises_township
from workflows.forms.referrals import OutcomeForm, ReferralCloseForm, ReferralDecideForm, ReferralForm
from workflows.pages import form_render, work_station_person
from workflows.submissions import AlreadyRecorded, already_recorded_page, submission_key_add, submitted_once


def person_support(request, pk):
    """The 认定与帮扶 tab: certifications (everyone who sees the person) and referrals with their
    outcomes (only the kinds whose record type the user reads; the employer only for the work
    station and 人社). Logged like the records tab."""
    gate = person_gate(request.user, pk)
    person, access = gate.person, gate.access
    staff = selectors.staff_for(request.user)
    kinds = referral_services.referral_kinds_visible(access.record_types)
    access_log_write(
        request=request,
        person_ids=[person.pk],
        action=AccessLog.Action.DETAIL,
        record_types=["certification", *(referral_services.RECORD_TYPE[k] for k in kinds)],
    )
    certifications = certifications_of(person)
    proposed = next((c for c in certifications if c.status == Certification.Status.PROPOSED), None)
    approve_task = None
    if proposed is not None and supervises_township(request.user, proposed.episode.township):
        approve_task = approve_task_for(proposed)
    open_episode = person.episodes.filter(status__in=CERTIFIABLE).order_by("-decision_date", "-id").first()
    return render(
        request,
        "referrals/person_support.html",
        {
            "person": person,
            "tab": "support",
            "record_types": access.record_types,
            "is_supervisor": staff.agency.kind == Agency.Kind.DRUG_CONTROL,
            "is_work_station": staff.agency.kind == Agency.Kind.WORK_STATION,
            # Certification and referrals are the executing station's acts on the file.
            "station_acts": staff.agency.kind == Agency.Kind.WORK_STATION
            and "act_work_station" in access.actions,
            "certifications": certifications,
            "approve_task": approve_task,
            "open_episode": open_episode,
            "referrals": referral_services.referrals_of(person, access.record_types),
            "show_employer": referral_services.employer_visible(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def referral_new(request, pk):
    """The work station refers the person to 人社 or 民政 (禁毒法 art 34 para 2; 戒毒条例 arts 18, 39).

    A second identical post answers "already recorded" and refers no one again.
    """
    person = work_station_person(request, pk, act="act_work_station")
    episode = person.episodes.exclude(status__in=Episode.CLOSED_STATUSES).order_by("-decision_date").first()
    if episode is None:
        raise Http404
    form = submission_key_add(
        ReferralForm(request.POST or None, initial={"referred_on": timezone.localdate()})
    )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                referral = submitted_once(
                    key=data["submission_key"],
                    user=request.user,
                    save=lambda: referral_services.referral_create(
                        actor=request.user,
                        episode=episode,
                        kind=data["kind"],
                        needs=data["needs"],
                        skills=data["skills"],
                        on=data["referred_on"],
                    ),
                    record_url=lambda r: reverse("referral_detail", args=[r.pk]),
                )
            except AlreadyRecorded as repeat:
                return already_recorded_page(
                    request, person=person, submission=repeat.submission, title=_("转介帮扶")
                )
            except RecordRefused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("已转介%(agency)s。") % {"agency": referral.agency.name})
                return redirect("person_detail", pk=person.pk)
        else:
            messages.error(request, _("请更正下列标红的内容，信息尚未保存。"))
    return form_render(request, form=form, person=person, title=_("转介帮扶"))


def referral_list(request):
    """转介事项: the referrals to the user's 人社所 or 民政办, newest first."""
    staff = selectors.staff_for(request.user)
    if staff is None or staff.agency.kind not in referral_services.TARGET_KIND.values():
        raise Http404
    rows = referral_services.referrals_for_agency(request.user)
    status = request.GET.get("status", "")
    if status in referral_services.Referral.Status.values:
        rows = rows.filter(status=status)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "referrals/list.html",
        {"page": page, "status": status, "statuses": referral_services.Referral.Status.choices},
    )


def referral_detail(request, pk):
    referral = referral_services.referral_get(request.user, pk)
    mine = referral_services.referral_is_mine(request.user, referral)
    access_log_write(
        request=request,
        person_ids=[referral.person_id],
        action=AccessLog.Action.DETAIL,
        record_types=[referral_services.RECORD_TYPE[referral.kind]],
    )
    if mine:
        # Opening the referral reads the message that announced it.
        Notification.objects.filter(user=request.user, referral=referral, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    today = timezone.localdate()
    return render(
        request,
        "referrals/detail.html",
        {
            "referral": referral,
            "person": referral.person,
            "outcomes": list(referral.outcomes.select_related("recorded_by")),
            "mine": mine,
            "show_employer": referral_services.employer_visible(request.user),
            "decide_form": submission_key_add(ReferralDecideForm(initial={"on": today})),
            "close_form": submission_key_add(ReferralCloseForm(initial={"closed_on": today})),
            "person_visible": selectors.visible_persons(request.user).filter(pk=referral.person_id).exists(),
        },
    )


def _target_referral(request, pk):
    referral = referral_services.referral_get(request.user, pk)
    if not referral_services.referral_is_mine(request.user, referral):
        raise Http404
    return referral


def _referral_once(request, referral, key, save, title):
    """Run save() once per rendered form; a repeat answers "already recorded" (None: saved)."""
    try:
        submitted_once(
            key=key,
            user=request.user,
            save=save,
            record_url=lambda _saved: reverse("referral_detail", args=[referral.pk]),
        )
    except AlreadyRecorded as repeat:
        return already_recorded_page(
            request, person=referral.person, submission=repeat.submission, title=title
        )
    return None


@require_POST
def referral_decide(request, pk):
    """Accept or decline a referral; a second identical post answers "already recorded"."""
    referral = _target_referral(request, pk)
    form = submission_key_add(ReferralDecideForm(request.POST))
    if not form.is_valid():
        errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("信息尚未保存：%(errors)s") % {"errors": errors})
        return redirect("referral_detail", pk=referral.pk)
    data = form.cleaned_data
    accept = data["decision"] == "accept"

    def save():
        if accept:
            return referral_services.referral_accept(actor=request.user, referral=referral, on=data["on"])
        return referral_services.referral_decline(
            actor=request.user, referral=referral, on=data["on"], reason=data["reason"]
        )

    try:
        repeat = _referral_once(request, referral, data["submission_key"], save, _("受理或不予受理"))
    except RecordRefused as exc:
        messages.error(request, str(exc))
    else:
        if repeat is not None:
            return repeat
        messages.success(request, _("已受理。") if accept else _("已不予受理。"))
    return redirect("referral_detail", pk=referral.pk)


@require_http_methods(["GET", "POST"])
def referral_outcome_new(request, pk):
    """Record what the referral brought; a second identical post answers "already recorded"."""
    referral = _target_referral(request, pk)
    form = submission_key_add(
        OutcomeForm(request.POST or None, referral=referral, initial={"on_date": timezone.localdate()})
    )
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            kind, on_date, key = data.pop("kind"), data.pop("on_date"), data.pop("submission_key")
            data = {k: ("" if v is None and k not in ("hours", "amount") else v) for k, v in data.items()}
            try:
                repeat = _referral_once(
                    request,
                    referral,
                    key,
                    lambda: referral_services.outcome_record(
                        actor=request.user, referral=referral, kind=kind, on_date=on_date, **data
                    ),
                    _("登记转介结果"),
                )
            except RecordRefused as exc:
                messages.error(request, str(exc))
            else:
                if repeat is not None:
                    return repeat
                messages.success(request, _("已登记。"))
                return redirect("referral_detail", pk=referral.pk)
        else:
            messages.error(request, _("请更正下列标红的内容，信息尚未保存。"))
    return render(
        request,
        "referrals/outcome_form.html",
        {"form": form, "referral": referral, "person": referral.person, "title": _("登记转介结果")},
    )


@require_POST
def referral_close(request, pk):
    """Close a referral; a second identical post answers "already recorded"."""
    referral = _target_referral(request, pk)
    form = submission_key_add(ReferralCloseForm(request.POST))
    if not form.is_valid():
        errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("信息尚未保存：%(errors)s") % {"errors": errors})
        return redirect("referral_detail", pk=referral.pk)
    data = form.cleaned_data
    try:
        repeat = _referral_once(
            request,
            referral,
            data["submission_key"],
            lambda: referral_services.referral_close(
                actor=request.user, referral=referral, on=data["closed_on"]
            ),
            _("办结"),
        )
    except RecordRefused as exc:
        messages.error(request, str(exc))
    else:
        if repeat is not None:
            return repeat
        messages.success(request, _("已办结。"))
    return redirect("referral_detail", pk=referral.pk)
