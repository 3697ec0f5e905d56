"""The 消息 page: the user's own notifications (digests, escalations), newest first; mark read."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from notifications.models import Notification
from permissions import selectors


def notification_list(request):
    """Only the user's own rows; an escalation names its person only if the user may see them."""
    staff = selectors.staff_for(request.user)
    if staff is None:
        raise Http404
    rows = Notification.objects.filter(user=request.user).select_related("obligation", "referral")
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    items = list(page.object_list)
    person_ids = {n.obligation.person_id for n in items if n.obligation_id}
    names = (
        dict(selectors.visible_persons(request.user).filter(pk__in=person_ids).values_list("pk", "name"))
        if person_ids
        else {}
    )
    for n in items:
        n.person_id = n.obligation.person_id if n.obligation_id else None
        n.person_name = names.get(n.person_id) if n.person_id else None
        # A referral opens for the office it was made to; the 禁毒办 told of one left unanswered
        # may not read the person's training or assistance records, so it gets the text alone.
        n.referral_link = bool(n.referral_id) and n.referral.agency_id == staff.agency_id
    return render(request, "notifications/list.html", {"page": page, "items": items})


@require_POST
def notification_read(request, pk: int):
    updated = Notification.objects.filter(pk=pk, user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if not updated and not Notification.objects.filter(pk=pk, user=request.user).exists():
        raise Http404
    # Back to the page the button was on, but only a path of this site (an outside URL or a bare
    # word would be an open redirect or a NoReverseMatch).
    back = request.POST.get("next", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("notifications")


@require_POST
def notifications_read_all(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("notifications")
