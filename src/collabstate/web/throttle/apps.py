from django.apps import AppConfig


class ThrottleConfig(AppConfig):
    name = "collabstate.web.throttle"
    label = "throttle"
    verbose_name = "Rate limits"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import sign_in  # noqa: F401 (connects the sign-in signals)
