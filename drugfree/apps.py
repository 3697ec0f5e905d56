from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DrugfreeConfig(AppConfig):
    name = "drugfree"
    verbose_name = _("无毒社区创建")
