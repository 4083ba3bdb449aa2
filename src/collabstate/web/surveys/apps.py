from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "collabstate.web.surveys"
    label = "surveys"
    verbose_name = "Survey waves"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .. import checks  # noqa: F401 (registers the deployment checks)
