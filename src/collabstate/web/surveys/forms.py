"""One page's form: the fields of one question, built from the instrument.

Field names are the data columns (``q1_example``; a grid's rows ``imp_systems`` …), except a
multiple-choice question, whose one field is named after the question and holds the ticked
option codes. :meth:`PageForm.column_values` turns the cleaned form into column -> text, the
way :class:`~collabstate.web.surveys.models.Answer` stores it (None: not answered).
"""

from __future__ import annotations

from functools import lru_cache

from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from ...instrument import Instrument
from ...instrument.model import MatrixQuestion, MultipleQuestion, NumberQuestion, Question, TextQuestion

__all__ = ["PageForm", "initial_values"]

TEXT_LIMIT = 5000


class PageForm(forms.Form):
    def __init__(self, instrument: Instrument, question: Question, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        self.question = question
        required = question.required
        if isinstance(question, MultipleQuestion):
            self.fields[question.id] = forms.MultipleChoiceField(
                label=question.text,
                choices=[(o.code, o.label) for o in question.options],
                required=required,
                error_messages={"required": "Select at least one option"},
            )
        elif isinstance(question, MatrixQuestion):
            choices = [(str(c.code), c.label) for c in instrument.choices(question)]
            for row in question.rows:
                self.fields[row.id] = forms.ChoiceField(
                    label=row.text, choices=choices, required=required, error_messages={"required": f"Select an answer for ‘{row.label}’"}
                )
        elif isinstance(question, TextQuestion):
            self.fields[question.id] = forms.CharField(
                label=question.text,
                required=required,
                max_length=TEXT_LIMIT,
                strip=False,  # the answer is kept exactly as typed
                error_messages={"required": "Enter your answer", "max_length": f"Your answer must be {TEXT_LIMIT:,} characters or fewer"},
            )
        elif isinstance(question, NumberQuestion):
            kind = forms.IntegerField if question.integer else forms.FloatField
            self.fields[question.id] = kind(
                label=question.text,
                required=required,
                # Django's IntegerField compares with a float bound as FloatField does; its stub says int
                min_value=question.minimum,  # type: ignore[arg-type]
                max_value=question.maximum,  # type: ignore[arg-type]
                error_messages={"required": "Enter a number", "invalid": "Enter a whole number" if question.integer else "Enter a number"},
            )
        else:
            self.fields[question.id] = forms.ChoiceField(
                label=question.text,
                choices=[(str(c.code), c.label) for c in instrument.choices(question)],
                required=required,
                error_messages={"required": "Select an answer"},
            )

    def clean(self):
        data = super().clean()
        question = self.question
        if isinstance(question, TextQuestion) and data.get(question.id):
            # browsers send a text box's line breaks as CR LF (HTML's form encoding); keep them as typed
            data[question.id] = data[question.id].replace("\r\n", "\n")
        if isinstance(question, MultipleQuestion) and data.get(question.id):
            ticked = set(data[question.id])
            for option in question.options:
                if option.exclusive and option.code in ticked and len(ticked) > 1:
                    self.add_error(question.id, f"Select ‘{option.label}’ on its own, or the other options without it")
        return data

    def fieldsets(self) -> list[dict]:
        """What the template draws: one fieldset per field (a grid: one per row, so that a screen
        reader announces the row with each choice), with its options' markup, value and error."""
        question = self.question
        grid = isinstance(question, MatrixQuestion)
        out = []
        for name, field in self.fields.items():
            bound = self[name]
            value = bound.value()
            chosen = {str(v) for v in value} if isinstance(value, (list, tuple)) else ({str(value)} if value not in (None, "") else set())
            kind = (
                "checkboxes"
                if isinstance(field, forms.MultipleChoiceField)
                else "radios"
                if isinstance(field, forms.ChoiceField)
                else "textarea"
                if isinstance(question, TextQuestion)
                else "number"
            )
            input_type = "checkbox" if kind == "checkboxes" else "radio"
            choices = getattr(field, "choices", [])
            options = (
                option_html(name, input_type, f"{name}-{i}", str(v), label, _exclusive(question, v), str(v) in chosen)
                for i, (v, label) in enumerate(choices)
            )
            out.append(
                {
                    "name": name,
                    "legend": field.label,
                    "heading": not grid,  # a single question's legend is the page heading
                    "hint": question.help if not grid else None,
                    "kind": kind,
                    "options_html": mark_safe("".join(options)),  # each one safe: option_html
                    "value": "" if value is None or isinstance(value, list) else value,
                    "error": bound.errors[0] if bound.errors else None,
                    "target": f"{name}-0" if choices else name,  # where the error summary's link lands: the first option
                }
            )
        return out

    def column_values(self) -> dict[str, str | None]:
        """Cleaned data -> column -> stored text; None for a column left unanswered."""
        question, data = self.question, self.cleaned_data
        if isinstance(question, MultipleQuestion):
            ticked = set(data.get(question.id) or [])
            return {f"{question.id}/{o.code}": (("1" if o.code in ticked else "0") if ticked else None) for o in question.options}
        out: dict[str, str | None] = {}
        for name in self.fields:
            value = data.get(name)
            if value is None or value == "":
                out[name] = None
            elif isinstance(value, float) and value.is_integer():
                out[name] = str(int(value))
            else:
                out[name] = str(value)
        return out


@lru_cache(maxsize=8192)
def option_html(name: str, input_type: str, option_id: str, value: str, label: str, exclusive: bool, checked: bool) -> SafeString:
    """One radio or checkbox with its label (``surveys/option.html``), remembered by everything it
    shows: a grid page draws 40 of them, the same ones for every respondent, and drawing them
    through the template engine each time was a fifth of a page's CPU."""
    context = {
        "name": name,
        "type": input_type,
        "id": option_id,
        "value": value,
        "label": label,
        "exclusive": exclusive,
        "checked": checked,
    }
    return render_to_string("surveys/option.html", context)


def _exclusive(question: Question, value: object) -> bool:
    return isinstance(question, MultipleQuestion) and any(o.exclusive and o.code == value for o in question.options)


def initial_values(question: Question, answers: dict[str, str]) -> dict[str, object]:
    """Stored answers -> the form's initial data (a page shown again keeps what was entered)."""
    if isinstance(question, MultipleQuestion):
        return {question.id: [o.code for o in question.options if answers.get(f"{question.id}/{o.code}") == "1"]}
    names = [row.id for row in question.rows] if isinstance(question, MatrixQuestion) else [question.id]
    return {name: answers[name] for name in names if name in answers}
