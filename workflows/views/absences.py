"""Out-of-county absences: reports, approval, extension, return and unreported absences (戒毒条例 art 19)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from casework.errors import RecordRefused
from casework.models import Absence, Breach, Episode
from permissions.models import RecordType
from workflows.branches import absences as absence_services
from workflows.forms.absences import (
    AbsenceExtendForm,
    AbsenceReportForm,
    AbsenceReturnForm,
    AbsenceUnreportedForm,
)
from workflows.pages import current_episode, form_render, work_station_person
from workflows.submissions import AlreadyRecorded, already_recorded_page, submission_key_add, submitted_once
from workflows.transitions import TransitionNotAllowed


@require_http_methods(["GET", "POST"])
def absence_report_page(request, pk):
    """Record the written report before leaving the county (戒毒条例 art 19(3))."""
    person = work_station_person(request, pk, read=RecordType.ABSENCE)
    episode = current_episode(person, [Episode.Status.ACTIVE, Episode.Status.OUT_OF_COUNTY])
    form = submission_key_add(
        AbsenceReportForm(
            request.POST or None, initial={"reported_on": timezone.localdate(), "contact_phone": ""}
        )
    )
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            key = data.pop("submission_key")
            try:
                absence = submitted_once(
                    key=key,
                    user=request.user,
                    save=lambda: absence_services.absence_report(actor=request.user, episode=episode, **data),
                    record_url=lambda a: reverse("person_breaches", args=[person.pk]) + f"#absence-{a.pk}",
                )
            except AlreadyRecorded as repeat:
                return already_recorded_page(
                    request, person=person, submission=repeat.submission, title=_("登记外出报告")
                )
            except absence_services.ReportNotRequired as exc:
                messages.info(request, str(exc))
            except (RecordRefused, TransitionNotAllowed) as exc:
                messages.error(request, str(exc))
            else:
                if absence.status == Absence.Status.PENDING:
                    messages.success(request, _("外出报告已登记，待工作站负责人审批。"))
                else:
                    messages.success(
                        request,
                        _("外出报告已登记，须于 %(date)s 前返回销假。")
                        % {"date": date_format(absence.returns_by)},
                    )
                return redirect("person_breaches", pk=person.pk)
        else:
            messages.error(request, _("请更正下列标红的内容，信息尚未保存。"))
    return form_render(
        request,
        cancel_url=reverse("person_breaches", args=[person.pk]),
        form=form,
        person=person,
        title=_("登记外出报告"),
        help_text=_(
            "离开县（市、区）3日以上的，须在离开前书面报告（《戒毒条例》第十九条）；不足3日的无需报告。"
        ),
    )


@require_http_methods(["GET", "POST"])
def absence_unreported_page(request, pk):
    """Record an absence found without a written report; confirming it is the next page (art 20).

    A second identical post answers "already recorded" and records nothing.
    """
    person = work_station_person(request, pk, read=RecordType.ABSENCE)
    episode = current_episode(person, absence_services.UNREPORTED_STATUSES)
    form = submission_key_add(AbsenceUnreportedForm(request.POST or None))
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            key = data.pop("submission_key")
            try:
                absence = submitted_once(
                    key=key,
                    user=request.user,
                    save=lambda: absence_services.absence_unreported_record(
                        actor=request.user, episode=episode, **data
                    ),
                    record_url=lambda a: reverse("person_breaches", args=[person.pk]) + f"#absence-{a.pk}",
                )
            except AlreadyRecorded as repeat:
                return already_recorded_page(
                    request, person=person, submission=repeat.submission, title=_("登记未报告外出")
                )
            except absence_services.ReportNotRequired as exc:
                messages.info(request, str(exc))
            except RecordRefused as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("已登记未报告外出。请确认是否计为擅自离开。"))
                url = reverse("breach_confirm", args=[person.pk])
                return redirect(f"{url}?kind={Breach.Kind.UNAUTHORISED_EXIT}&absence={absence.pk}")
        else:
            messages.error(request, _("请更正下列标红的内容，信息尚未保存。"))
    return form_render(
        request,
        cancel_url=reverse("person_breaches", args=[person.pk]),
        form=form,
        person=person,
        title=_("登记未报告外出"),
        help_text=_(
            "未书面报告离开县（市、区）3日以上的，经确认计入擅自离开的次数和天数（《戒毒条例》第二十条）。"
        ),
    )


def _absence_for(request, pk) -> Absence:
    absence = Absence.objects.select_related("episode").filter(pk=pk).first()
    if absence is None:
        raise Http404
    absence.person = work_station_person(request, absence.person_id, read=RecordType.ABSENCE)
    return absence


def _absence_action(request, pk, form_class, action, title, done_message):
    """A second post of the same rendered form answers "already recorded" and moves nothing."""
    absence = _absence_for(request, pk)
    form = submission_key_add(form_class(request.POST or None))
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            key = data.pop("submission_key")
            try:
                submitted_once(
                    key=key,
                    user=request.user,
                    save=lambda: action(actor=request.user, absence=absence, **data),
                    record_url=lambda a: (
                        reverse("person_breaches", args=[absence.person_id]) + f"#absence-{a.pk}"
                    ),
                )
            except AlreadyRecorded as repeat:
                return already_recorded_page(
                    request, person=absence.person, submission=repeat.submission, title=title
                )
            except (RecordRefused, TransitionNotAllowed) as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, done_message)
                return redirect("person_breaches", pk=absence.person_id)
        else:
            messages.error(request, _("请更正下列标红的内容，信息尚未保存。"))
    return form_render(
        request,
        cancel_url=reverse("person_breaches", args=[absence.person.pk]),
        form=form,
        person=absence.person,
        title=title,
        help_text=_("外出：%(start)s 至 %(end)s，%(dest)s")
        % {
            "start": date_format(absence.leaves_on),
            "end": date_format(absence.extended_to or absence.returns_by),
            "dest": absence.destination,
        },
    )


@require_http_methods(["GET", "POST"])
def absence_return_page(request, pk):
    """The return check-in (销假) that closes the absence_back deadline."""
    return _absence_action(
        request, pk, AbsenceReturnForm, absence_services.absence_return, _("返回销假"), _("已销假。")
    )


@require_http_methods(["GET", "POST"])
def absence_extend_page(request, pk):
    """Extend an absence (续假): the return date and its deadline move."""
    return _absence_action(
        request,
        pk,
        AbsenceExtendForm,
        absence_services.absence_extend,
        _("续假"),
        _("已续假，返回日期已更新。"),
    )
