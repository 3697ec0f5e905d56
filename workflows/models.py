"""The flows' process records about an episode, and the keys of record forms already saved."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process

from casework.choice_labels import ChoiceLabels
from casework.models import Episode


class EpisodeProcess(ChoiceLabels, Process):
    """A flow run about one episode: the episode is the process's artifact (an integer key)."""

    class Meta:
        proxy = True
        verbose_name = _("流程")
        verbose_name_plural = _("流程")

    @property
    def episode(self) -> Episode:
        return self.artifact


class FormSubmission(ChoiceLabels):
    """A record form that was saved, by the key its page was rendered with.

    The second post of the same rendered form (a double click, a resent request) finds its
    key here and answers "already recorded" with a link, instead of saving a second record.
    """

    key = models.UUIDField(_("表单标识"), unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    record_url = models.CharField(_("记录地址"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("已提交表单")
        verbose_name_plural = _("已提交表单")

    def __str__(self) -> str:
        return str(self.key)
