from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "collabstate.web.surveys"
    label = "surveys"
    verbose_name = "Survey waves"
    default_auto_field = "django.db.models.BigAutoField"
