"""One save per rendered record form.

Each record form page is rendered with a fresh key (a hidden UUID). The save and the claim of
that key happen in one transaction: a second post with the same key waits for the first on the
key's unique index, then finds it and saves nothing. The page then says "already recorded"
(已登记) and links to the record the first post saved.

A post without a key (a page rendered before keys existed, a script) is still saved; the duty
the form names (its hidden obligation id) keeps such a repeat from fulfilling the next duty.
"""

import uuid

from django import forms
from django.db import IntegrityError, transaction
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from workflows.models import FormSubmission


class SubmissionKeyField(forms.UUIDField):
    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)


def submission_key_add(form: forms.BaseForm) -> forms.BaseForm:
    """Give `form` a hidden submission key, fresh for each unbound (newly rendered) form."""
    form.fields["submission_key"] = SubmissionKeyField()
    if not form.is_bound:
        form.initial["submission_key"] = uuid.uuid4()
    return form


class AlreadyRecorded(Exception):
    def __init__(self, submission: FormSubmission):
        super().__init__("already recorded")
        self.submission = submission


def submitted_once(*, key, user, save, record_url):
    """Run save() unless this key was saved before; raise AlreadyRecorded if it was.

    `record_url(result)` says where the saved record can be seen. A refusal inside save()
    rolls the claim back with it, so the user may correct the form and post it again.
    """
    if key is None:
        return save()
    with transaction.atomic():
        try:
            with transaction.atomic():
                submission = FormSubmission.objects.create(key=key, user=user)
        except IntegrityError:
            raise AlreadyRecorded(FormSubmission.objects.get(key=key)) from None
        result = save()
        submission.record_url = record_url(result)[:300]
        submission.save(update_fields=["record_url"])
    return result


def repeated_post(request) -> FormSubmission | None:
    """The earlier save of this very post, if its key was saved by the same user.

    For a page whose first save removes what it acts on (the open suspension a release ends):
    the repeat finds no form to post to, and still answers "already recorded" rather than 404.
    """
    if request.method != "POST":
        return None
    try:
        key = uuid.UUID(str(request.POST.get("submission_key", "")))
    except ValueError:
        return None
    return FormSubmission.objects.filter(key=key, user=request.user).first()


def already_recorded_page(request, *, person, submission: FormSubmission, title: str):
    """The answer to a repeated post: nothing saved, and where the first one's record is."""
    return render(
        request,
        "records/already_recorded.html",
        {"person": person, "title": title, "submission": submission, "heading": _("已登记")},
        status=409,
    )
