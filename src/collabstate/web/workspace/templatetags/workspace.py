"""``{{ field|styled }}``: a form field's widget with the stylesheet's classes. Django adds
``aria-describedby`` (the hint ``<id>_helptext`` and the error ``<id>_error``) and
``aria-invalid`` itself."""

from django import forms, template

register = template.Library()


@register.filter
def styled(field: forms.BoundField) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.Textarea):
        css = "textarea"
    elif getattr(widget, "input_type", "") == "file":
        css = "file-upload"
    else:
        css = "input input-width-20"
    return field.as_widget(attrs={"class": css + (" input-error" if field.errors else "")})


@register.filter
def percent(rate: float | None) -> str:
    """0.456 -> '46%'; None (no base) -> '–'."""
    return "–" if rate is None else f"{100 * rate:.0f}%"
