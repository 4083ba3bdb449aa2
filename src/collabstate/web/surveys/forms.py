"""One page's form: the fields of one question, built from the instrument.

Field names are the data columns (``q1_example``; a grid's rows ``imp_systems`` …), except a
multiple-choice question, whose one field is named after the question and holds the ticked
option codes. :meth:`PageForm.column_values` turns the cleaned form into column -> text, the
way :class:`~collabstate.web.surveys.models.Answer` stores it (None: not answered).

A number or a text is refused on the page, with a message saying what is expected, when it does
not fit what the question can hold (:mod:`collabstate.instrument.bounds`, the same definition
the readers, the importer and so the exports check): a whole number of 401 digits is "Enter a
whole number from 0 to 9,007,199,254,740,991", never stored to be turned into infinity later.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from ...instrument import Instrument
from ...instrument.bounds import NUMBER_CHARACTERS, TEXT_LENGTH, number_bounds, text_problem
from ...instrument.model import MatrixQuestion, MultipleQuestion, NumberQuestion, Question, TextQuestion

__all__ = ["NumberAnswerField", "PageForm", "TextAnswerField", "initial_values"]


class NumberAnswerField(forms.Field):
    """A number question's answer, checked by its bounds (:func:`~collabstate.instrument.bounds.number_bounds`):
    an ``int`` for a whole-number question, else a ``float``; None when left empty."""

    def __init__(self, question: NumberQuestion, **kwargs: Any) -> None:
        self.bounds = number_bounds(question)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | float | None:
        if value in self.empty_values:
            return None
        number, problem = self.bounds.check(str(value))
        if problem == "out_of_range":
            raise ValidationError(f"Enter {self.bounds.describe()}", code=problem)
        if problem == "too_long":
            raise ValidationError(f"Enter a number of {NUMBER_CHARACTERS} characters or fewer", code=problem)
        if problem is not None:
            raise ValidationError("Enter a whole number" if self.bounds.integer else "Enter a number", code=problem)
        if number is None:
            return None
        return int(number) if self.bounds.integer else number


class TextAnswerField(forms.CharField):
    """A text answer exactly as typed (line breaks as LF), at most TEXT_LENGTH characters as a
    spreadsheet counts them, without a character no format can store."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(strip=False, **kwargs)  # the answer is kept exactly as typed
        # the bounds say it, with the answer's own message
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]

    def to_python(self, value: Any) -> str:
        text = str(super().to_python(value) or "")
        # browsers send a text box's line breaks as CR LF (HTML's form encoding); keep them as typed
        return text.replace("\r\n", "\n") if text else text

    def validate(self, value: Any) -> None:
        super().validate(value)
        problem = text_problem(value) if value else None
        if problem == "too_long":
            raise ValidationError(f"Your answer must be {TEXT_LENGTH:,} characters or fewer", code=problem)
        if problem is not None:
            raise ValidationError("Your answer holds a character that cannot be stored (a null character); remove it", code=problem)


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
            self.fields[question.id] = TextAnswerField(
                label=question.text, required=required, error_messages={"required": "Enter your answer"}
            )
        elif isinstance(question, NumberQuestion):
            self.fields[question.id] = NumberAnswerField(
                question, label=question.text, required=required, error_messages={"required": "Enter a number"}
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
