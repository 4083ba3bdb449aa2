from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    name = "collabstate.web.workspace"
    label = "workspace"
    verbose_name = "Analysts' workspace"
    default_auto_field = "django.db.models.BigAutoField"
