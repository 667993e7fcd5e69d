"""Admin registrations of provisioning (imported by Django's admin autodiscovery)."""

from django.contrib import admin

from .sync.admin import SyncRunAdmin
from .sync.drift_admin import PlannedChangeAdmin
from .sync.drift_models import PlannedChange
from .sync.models import SyncRun

# Run history and the "Utils for existing users/directories" pages (provisioning/sync/admin.py).
admin.site.register(SyncRun, SyncRunAdmin)
# What shadow mode recorded instead of writing to Jira (provisioning/sync/drift_admin.py).
admin.site.register(PlannedChange, PlannedChangeAdmin)
