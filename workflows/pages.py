"""What every branch page shares: the person and episode a page acts on, and the one form page.

Every form page of the life cycle renders `form.html` and saves through `form_page`: a valid
post calls the branch's service once per rendered form (a repeat answers "already recorded"
and nothing moves), a refusal becomes a message on the same page, and nothing is half saved.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from casework.errors import RecordRefused
from casework.models import Agency, Episode, Person
from permissions import selectors
from permissions.gate import person_gate
from workflows.branches.suspensions import ACT_CODENAMES
from workflows.submissions import AlreadyRecorded, already_recorded_page, submission_key_add, submitted_once
from workflows.transitions import TransitionNotAllowed

INVALID = _("请更正下列标红的内容，信息尚未保存。")


def work_station_person(request, pk, *, read: str | None = None, act: str | None = None) -> Person:
    """Return the person if the user works at a work station and the gate lets it read `read`
    or act with `act` on the person's file; else raise Http404."""
    staff = selectors.staff_for(request.user)
    if staff is None or staff.agency.kind != Agency.Kind.WORK_STATION:
        raise Http404
    return person_gate(request.user, pk, read=read, act=act).person


def person_to_act_on(request, pk) -> tuple[Person, Episode]:
    """Return (person, current episode) for an agency that acts on the person's file; else 404."""
    person = person_gate(request.user, pk, act=ACT_CODENAMES).person
    return person, current_episode(person)


def current_episode(person: Person, statuses=None) -> Episode:
    """Return the person's newest episode, among `statuses` when given; else raise Http404."""
    if statuses is None:
        episode = selectors.person_episodes(person).first()
    else:
        episode = (
            person.episodes.select_related("person", "township")
            .filter(status__in=statuses)
            .order_by("-decision_date", "-id")
            .first()
        )
    if episode is None:
        raise Http404
    return episode


def form_render(request, *, form, person, title, help_text="", cancel_url=None, **extra):
    """Render the one form page: the title with the person, the rule it follows, the form."""
    context = {
        "form": form,
        "person": person,
        "title": title,
        "help": help_text,
        "cancel_url": cancel_url or reverse("person_detail", args=[person.pk]),
        **extra,
    }
    return render(request, "form.html", context)


def form_page(request, *, person, form, title, save, success, help_text="", record_url=None, cancel_url=None):
    """Render the form; on a valid POST call `save(cleaned_data)` once for this rendered form.

    A second identical post (the same rendered form's key) answers "already recorded" and
    nothing moves: no second record, event or change of status. A domain refusal is shown as
    a message on the same page; a PermissionDenied from the flow answers 404.
    """
    form = submission_key_add(form)
    if request.method == "POST":
        if form.is_valid():
            try:
                submitted_once(
                    key=form.cleaned_data["submission_key"],
                    user=request.user,
                    save=lambda: save(form.cleaned_data),
                    record_url=record_url or (lambda _saved: reverse("person_detail", args=[person.pk])),
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
            messages.error(request, INVALID)
    return form_render(
        request, form=form, person=person, title=title, help_text=help_text, cancel_url=cancel_url
    )
