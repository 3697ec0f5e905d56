"""API tokens: one row per token a user made for a machine or an app.

Only the token's hash is stored (knox's sha512 digest); the token itself is shown once, when it
is made. The name says which system uses it and reaches every access-log row the token causes.
Revoking deletes the row, so the next request with it answers 401.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from knox.models import AbstractAuthToken


class ApiToken(AbstractAuthToken):
    name = models.CharField(_("名称"), max_length=60)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_key}…)"
