"""The flows' own admin pages are not offered (see below)."""

from django.contrib import admin
from viewflow.workflow.models import Process, Task

# viewflow registers its Process and Task admin, which list every flow of every person and let
# a superuser edit a task's status or owner. Flow state changes only through the flows, and
# process rows are read through permissions.selectors on the person pages: no admin for them.
for flow_model in (Process, Task):
    if admin.site.is_registered(flow_model):
        admin.site.unregister(flow_model)
