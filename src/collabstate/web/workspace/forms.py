"""The workspace's forms: a new wave, a file upload, the erasure search, members, the live results' choices, a table's."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import cast
from urllib.parse import urlencode

from django import forms
from django.utils import timezone

from ...dataset import ReadLimits, ResponsesError, decode_text
from ...instrument import builtin_instruments, load_instrument
from ...instrument.safe_yaml import MAX_YAML_BYTES
from ..surveys.models import Wave
from . import results, tables
from .models import Membership

__all__ = [
    "FIELD_OF", "MemberForm", "ResultsForm", "RoleForm", "SaveTableForm", "SearchForm", "TableForm", "UploadForm", "WaveForm",
    "choice_query",
]  # fmt: skip

UPLOAD = "upload"
#: A field of :class:`~collabstate.web.surveys.models.Wave` -> the form field its errors belong to.
FIELD_OF = {"instrument_ref": "instrument", "instrument_yaml": "instrument_file"}
WHEN = "Enter a date and time such as 2026-12-01 09:00"
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "input input-width-20"}, format="%Y-%m-%dT%H:%M")


@cache
def _instrument_choices() -> list[tuple[str, str]]:
    return [(i, f"{load_instrument(i).title} ({i})") for i in builtin_instruments()]


class WaveForm(forms.Form):
    title = forms.CharField(max_length=200, help_text="What respondents see at the top of every page",
                            error_messages={"required": "Enter the wave's title"})  # fmt: skip
    slug = forms.SlugField(label="Address name", max_length=50, help_text="Lower-case letters, numbers and hyphens, e.g. leaders-2026",
                           error_messages={"required": "Enter an address name, e.g. leaders-2026",
                                           "invalid": "Use only letters, numbers, hyphens and underscores, e.g. leaders-2026"})  # fmt: skip
    instrument = forms.ChoiceField(label="Questionnaire", widget=forms.RadioSelect, error_messages={"required": "Choose a questionnaire"})
    instrument_file = forms.FileField(label="Questionnaire file (YAML)", required=False,
                                      help_text="Only if you chose to upload your own questionnaire")  # fmt: skip
    opens_at = forms.DateTimeField(label="Opens", widget=DATETIME, help_text="For example, 2026-12-01 09:00",
                                   error_messages={"required": "Enter when the wave opens", "invalid": WHEN})  # fmt: skip
    closes_at = forms.DateTimeField(label="Closes", widget=DATETIME, help_text="For example, 2027-01-31 17:00",
                                    error_messages={"required": "Enter when the wave closes", "invalid": WHEN})  # fmt: skip
    mode = forms.ChoiceField(label="Are the answers anonymous?", choices=Wave.MODES, widget=forms.RadioSelect, initial=Wave.ANONYMOUS,
                             error_messages={"required": "Choose whether the answers are anonymous"})  # fmt: skip
    open_link = forms.BooleanField(required=False, label="Anyone with the wave's address may respond (an open link)")
    max_reminders = forms.IntegerField(min_value=0, max_value=10, initial=2, label="Reminders to each invitee, at most",
                                       error_messages={"required": "Enter how many reminders, from 0 to 10", "invalid": "Enter a whole number from 0 to 10"})  # fmt: skip
    retention_days = forms.IntegerField(
        min_value=0, max_value=3650, required=False, initial=365, label="Delete invitees' contact details after (days)",
        help_text="Counted from when the wave closes. Leave empty to keep them until someone deletes them.",
        error_messages={"invalid": "Enter a whole number of days, e.g. 365, or leave it empty"},
    )  # fmt: skip
    privacy_notice = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 5, "class": "textarea"}),
                                     label="Privacy notice", help_text="Shown on the first page, before any question")  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        instrument = cast(forms.ChoiceField, self.fields["instrument"])  # declared a ChoiceField above
        instrument.choices = [*_instrument_choices(), (UPLOAD, "Upload my own questionnaire (YAML)")]
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["opens_at"].initial = now
        self.fields["closes_at"].initial = now + dt.timedelta(days=30)

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if Wave.objects.filter(slug=slug).exists():
            raise forms.ValidationError(f"There is already a wave with the address name ‘{slug}’; choose another")
        return slug

    def clean(self):
        data = super().clean()
        upload = data.get("instrument_file")
        if data.get("instrument") == UPLOAD:
            if not upload:
                self.add_error("instrument_file", "Choose the questionnaire file to upload")
            elif upload.size > MAX_YAML_BYTES:
                self.add_error(
                    "instrument_file", f"{upload.name}: the file is over {MAX_YAML_BYTES >> 20} MB; a questionnaire is far smaller"
                )
            else:
                try:
                    data["instrument_yaml"] = decode_text(upload.read(), upload.name)
                except ResponsesError as exc:
                    self.add_error("instrument_file", str(exc))
        elif upload:
            self.add_error("instrument_file", "Choose ‘Upload my own questionnaire’ to use a file, or remove the file")
        return data

    def add_wave_errors(self, error: forms.ValidationError) -> None:
        """The wave's own checks (``Wave.clean``), each under the field it is about; a problem of
        the questionnaire file is prefixed with the file's name."""
        upload = self.cleaned_data.get("instrument_file")
        for name, problems in error.message_dict.items():
            field = FIELD_OF.get(name, name)
            if name == "instrument_yaml" and upload:
                problems = [f"{upload.name}, {p}" for p in problems]
            self.add_error(field if field in self.fields else None, problems)

    def wave_fields(self) -> dict:
        """The cleaned data as :class:`Wave` fields."""
        data = dict(self.cleaned_data)
        ref = data.pop("instrument")
        data.pop("instrument_file", None)
        data["instrument_ref"] = "" if ref == UPLOAD else ref
        data.setdefault("instrument_yaml", "")
        return data


class UploadForm(forms.Form):
    file = forms.FileField(error_messages={"required": "Choose a file to upload", "empty": "The file is empty"})

    def clean_file(self):
        """A file over the largest the web app takes (``COLLABSTATE_MAX_UPLOAD``) is refused unread."""
        upload = self.cleaned_data["file"]
        try:
            ReadLimits.from_env().check_upload(upload.name, upload.size)
        except ResponsesError as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload


class SearchForm(forms.Form):
    email = forms.EmailField(
        label="The invitee's e-mail address", error_messages={"invalid": "Enter an e-mail address such as name@example.org"}
    )


class MemberForm(forms.Form):
    who = forms.CharField(label="Username or e-mail address", max_length=254, help_text="They need an account already",
                          error_messages={"required": "Enter their username or e-mail address"})  # fmt: skip
    role = forms.ChoiceField(choices=Membership.ROLES, initial=Membership.VIEWER, widget=forms.RadioSelect,
                             error_messages={"required": "Choose a role", "invalid_choice": "Choose viewer, analyst or owner"})  # fmt: skip


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.ROLES, required=False)
    remove = forms.BooleanField(required=False)


class ResultsForm(forms.Form):
    """The live results' choices, sent by GET: a breakdown (the command line's default, the sector
    question, unless another is chosen) and any earlier waves to compare with (``previous``, given
    once per wave). Only the choices listed are valid: another organisation's wave is never among
    them."""

    NO_BREAKDOWN = "none"
    by = forms.ChoiceField(label="Break the tables down by", required=False, widget=forms.Select(attrs={"class": "select"}))
    previous = forms.MultipleChoiceField(label="Compare with earlier waves", required=False,
                                         widget=forms.CheckboxSelectMultiple(attrs={"class": "item-input"}))  # fmt: skip

    def __init__(self, wave: Wave, data) -> None:
        default = results.default_breakdown(wave) or self.NO_BREAKDOWN
        chosen = data.getlist("previous") if hasattr(data, "getlist") else data.get("previous", [])
        chosen = [chosen] if isinstance(chosen, (str, int)) else list(chosen)
        super().__init__({"by": data.get("by") or default, "previous": [str(c) for c in chosen if str(c)]})  # shown as chosen
        self.waves = {str(w.pk): w for w in results.comparable_waves(wave)}
        # the fields as declared above
        by, previous = cast(forms.ChoiceField, self.fields["by"]), cast(forms.MultipleChoiceField, self.fields["previous"])
        by.choices = [*results.breakdowns(wave), (self.NO_BREAKDOWN, "No breakdown")]
        previous.choices = [
            (pk, f"{w.title} (opened {timezone.localtime(w.opens_at):%-d %b %Y}, {w.completed} responses)") for pk, w in self.waves.items()
        ]

    def choice(self) -> results.Choice:
        """What was chosen (call after ``is_valid()``)."""
        by = self.cleaned_data["by"]
        earlier = tuple(self.waves[pk] for pk in self.cleaned_data["previous"] if pk in self.waves)
        return results.Choice(by=None if by == self.NO_BREAKDOWN else by, earlier=earlier)

    def query(self) -> str:
        """The choice as an address's query string, for the report's frame and the downloads."""
        return choice_query(self.choice())


def choice_query(choice: results.Choice) -> str:
    """A report's choice as the results page's query string (``by=…&previous=12&previous=9``)."""
    return urlencode({"by": choice.by or ResultsForm.NO_BREAKDOWN, "previous": [w.pk for w in choice.earlier]}, doseq=True)


class TableForm(forms.Form):
    """A table's choices, sent by GET so that its address can be shared: names down the side
    (``rows``, given once each, in the order wanted), banners (``columns``), a filter and the
    statistics. Only the names the wave's questionnaire offers are valid; a filter must parse
    and name them (:func:`.tables.filter_problem`). Unbound (nothing asked yet), it shows the
    default statistics ticked. A link that names no statistics (typed or made by hand) shows the
    default ones; only the form itself, which sends ``asked``, can ask for none (and is told to
    choose one)."""

    rows = forms.MultipleChoiceField(label="Down the side", error_messages={
        "required": "Choose at least one question, grid row, index or derived variable to go down the side",
        "invalid_choice": "%(value)s is not a question, grid row, index or derived variable of this wave's questionnaire"})  # fmt: skip
    columns = forms.MultipleChoiceField(label="Across the top (banners)", required=False, error_messages={
        "invalid_choice": "%(value)s is not a single-choice question or derived variable of this wave's questionnaire"})  # fmt: skip
    filter = forms.CharField(label="Only respondents for whom (optional)", required=False, max_length=500, strip=True,
                             help_text="A condition on their answers, for example sector == 1 or q6_success in (1, 2). "
                                       "Leave it empty for every respondent.")  # fmt: skip
    statistics = forms.MultipleChoiceField(label="Show for each answer", choices=list(tables.STATISTIC_LABELS.items()),
                                           error_messages={"required": "Choose at least one of estimate, interval and letters",
                                                           "invalid_choice": "%(value)s is not one of estimate, interval and letters"})  # fmt: skip

    def __init__(self, instrument, data=None) -> None:
        bound = data is not None and any(k in data for k in ("rows", "columns", "filter", "statistics"))
        if bound and "statistics" not in data and "asked" not in data:
            data = data.copy()
            data.setlist("statistics", list(tables.DEFAULT_STATISTICS))
        super().__init__(data if bound else None, initial={"statistics": list(tables.DEFAULT_STATISTICS)})
        self.instrument = instrument
        self.groups = tables.row_groups(instrument)
        self.banners = tables.banner_choices(instrument)
        cast(forms.MultipleChoiceField, self.fields["rows"]).choices = [c for _, group in self.groups for c in group]
        cast(forms.MultipleChoiceField, self.fields["columns"]).choices = self.banners

    def clean_rows(self) -> list[str]:
        rows = list(dict.fromkeys(self.cleaned_data["rows"]))
        if len(rows) > tables.MAX_ROWS:
            raise forms.ValidationError(f"Choose at most {tables.MAX_ROWS} to go down the side (you chose {len(rows)})")
        return rows

    def clean_columns(self) -> list[str]:
        columns = list(dict.fromkeys(self.cleaned_data["columns"]))
        if len(columns) > tables.MAX_BANNERS:
            raise forms.ValidationError(f"Choose at most {tables.MAX_BANNERS} banners (you chose {len(columns)})")
        return columns

    def clean_filter(self) -> str:
        text = " ".join(self.cleaned_data["filter"].split())
        problem = tables.filter_problem(self.instrument, text) if text else None
        if problem:
            raise forms.ValidationError(f"‘{text}’: {problem}")
        return text

    def clean_statistics(self) -> list[str]:
        chosen = set(self.cleaned_data["statistics"])
        return [s for s in tables.STATISTICS if s in chosen]  # in the order shown

    def choice(self) -> tables.TableChoice:
        """What was chosen (call after ``is_valid()``)."""
        data = self.cleaned_data
        return tables.TableChoice(tuple(data["rows"]), tuple(data["columns"]), data["filter"], tuple(data["statistics"]))

    def checked(self, name: str) -> set[str]:
        """The values of ``name`` shown ticked: those sent, or the initial ones."""
        if self.is_bound:
            return set(self.data.getlist(name) if hasattr(self.data, "getlist") else self.data.get(name, []))
        return set(self.initial.get(name, []))

    def boxes(self, name: str, groups: list[tuple[str, list[tuple[str, str]]]]) -> list[tuple[str, list[dict]]]:
        """Checkboxes of ``name`` by group, for the template: id (``id_<name>_<n>``, the first
        one the error summary's link), value, label and whether ticked."""
        ticked, n, out = self.checked(name), 0, []
        for legend, choices in groups:
            boxes = []
            for value, label in choices:
                boxes.append({"id": f"id_{name}_{n}", "value": value, "label": label, "checked": value in ticked})
                n += 1
            out.append((legend, boxes))
        return out

    def row_boxes(self) -> list[tuple[str, list[dict]]]:
        return self.boxes("rows", self.groups)

    def banner_boxes(self) -> list[dict]:
        return self.boxes("columns", [("", self.banners)])[0][1]

    def statistic_boxes(self) -> list[dict]:
        return self.boxes("statistics", [("", list(tables.STATISTIC_LABELS.items()))])[0][1]


class SaveTableForm(forms.Form):
    """A table kept under a name (analysts): the name, and whether it goes in the report."""

    name = forms.CharField(label="Name", max_length=100, error_messages={"required": "Enter a name for the table",
                           "max_length": "Use at most 100 characters for the name"})  # fmt: skip
    in_report = forms.BooleanField(label="Add it to the wave's report (a section Tables)", required=False)

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())
