"""The Tables page of a wave (:mod:`.tables`): a form sent by GET (its address can be shared)
that shows the table at once on the same page, the table's workbook, and the saved tables.

Viewers see tables and download them (a table says no more than the results they see);
analysts save them under a name, put them in the report and delete them, each change written to
the audit log (:mod:`.actions`). With JavaScript, a change of a control fetches the same address
with ``partial=1`` and swaps the parts of the page marked ``data-swap`` (``tables.js``); without
it, the button sends the form.
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify

from ...errors import CollabstateError
from ..surveys.models import Wave
from . import actions, tables
from .access import wave_view
from .forms import SaveTableForm, TableForm
from .models import Membership, SavedTable

ANALYST, VIEWER = Membership.ANALYST, Membership.VIEWER
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _table(form: TableForm, data: tables.WaveData | None, title: str = "") -> tuple:
    """The layout of the form's choice (None when nothing valid is asked or nobody has completed)
    and the time it took; a problem the core finds becomes the form's error."""
    if data is None or data.n == 0 or not form.is_bound or not form.is_valid():
        return None, 0.0
    started = time.perf_counter()
    try:
        layout = tables.table_layout(data, form.choice(), title=title)
    except CollabstateError as exc:
        form.add_error(None, str(exc))
        return None, 0.0
    return layout, time.perf_counter() - started


def _page(
    request: HttpRequest, wave: Wave, membership: Membership, form: TableForm, save_form: SaveTableForm | None = None, partial: bool = False
) -> HttpResponse:
    data = tables.wave_data(wave)
    layout, seconds = _table(form, data)
    choice = form.choice() if layout is not None else None
    caption = choice.describe(data.responses.instrument) if choice and data else ""
    context = {
        "wave": wave, "membership": membership, "form": form, "data": data, "layout": layout, "seconds": seconds,
        "choice": choice, "query": choice.query() if choice else "", "save_form": save_form or SaveTableForm(),
        "table_html": tables.layout_html(layout, caption) if layout is not None else "",
        "summary": f"Table shown: {caption}; {data.n:,} respondents." if layout is not None and data else "",
        "saved": [(t, tables.TableChoice.of(t).query()) for t in wave.saved_tables.select_related("created_by")],
        "example": tables.example_filter(wave.instrument),
        "analyst": membership.allows(ANALYST),
    }  # fmt: skip
    response = render(request, "workspace/tables_partial.html" if partial else "workspace/tables.html", context)
    response["Server-Timing"] = f"table;dur={seconds * 1000:.1f}"
    return response


@wave_view(VIEWER)
def tables_page(request: HttpRequest, wave: Wave, membership: Membership) -> HttpResponse:
    return _page(request, wave, membership, TableForm(wave.instrument, request.GET), partial=request.GET.get("partial") == "1")


def _workbook(layout, stem: str) -> HttpResponse:
    response = HttpResponse(tables.table_xlsx(layout), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
    return response


@wave_view(VIEWER)
def table_download(request: HttpRequest, wave: Wave, membership: Membership) -> HttpResponse:
    """The table of the choices in the address as a workbook, as ``collabstate table … --format
    xlsx`` writes it; the page, saying what is wrong, when they make no table."""
    form = TableForm(wave.instrument, request.GET)
    layout, _ = _table(form, tables.wave_data(wave))
    if layout is None:
        return _page(request, wave, membership, form)
    return _workbook(layout, f"{wave.slug}-table")


@wave_view(VIEWER)
def saved_table_download(request: HttpRequest, wave: Wave, membership: Membership, table: int) -> HttpResponse:
    """A saved table as a workbook, titled by its name, on the responses as they are now."""
    saved = get_object_or_404(wave.saved_tables, pk=table)
    form = TableForm(wave.instrument, _as_query(tables.TableChoice.of(saved)))
    layout, _ = _table(form, tables.wave_data(wave), title=saved.name)
    if layout is None:
        return _page(request, wave, membership, form)
    return _workbook(layout, f"{wave.slug}-{slugify(saved.name) or 'table'}")


def _as_query(choice: tables.TableChoice):
    from django.http import QueryDict

    return QueryDict(choice.query())


@wave_view(ANALYST, ("POST",))
def save_table(request: HttpRequest, wave: Wave, membership: Membership) -> HttpResponse:
    """Keep the table of the posted choices under the posted name."""
    form, save_form = TableForm(wave.instrument, request.POST), SaveTableForm(request.POST)
    if form.is_valid() and save_form.is_valid():
        name, in_report = save_form.cleaned_data["name"], save_form.cleaned_data["in_report"]
        try:
            saved = actions.save_table(wave, form.choice(), name, in_report, request.user)
        except actions.WorkspaceError as exc:
            save_form.add_error("name", str(exc))
        else:
            messages.success(request, f"Table ‘{saved.name}’ saved{' and added to the report' if in_report else ''}.")
            return redirect(reverse("workspace:tables", args=[wave.pk]) + "?" + form.choice().query() + "#saved-tables")
    return _page(request, wave, membership, form, save_form)


@wave_view(ANALYST, ("POST",))
def delete_table(request: HttpRequest, wave: Wave, membership: Membership, table: int) -> HttpResponse:
    saved = get_object_or_404(wave.saved_tables, pk=table)
    actions.delete_table(saved, request.user)
    messages.success(request, f"Table ‘{saved.name}’ deleted.")
    return redirect(reverse("workspace:tables", args=[wave.pk]) + "#saved-tables")


@wave_view(ANALYST, ("POST",))
def table_in_report(request: HttpRequest, wave: Wave, membership: Membership, table: int) -> HttpResponse:
    """Put a saved table in the wave's report (``in_report=1``) or take it out (``0``)."""
    saved: SavedTable = get_object_or_404(wave.saved_tables, pk=table)
    wanted = request.POST.get("in_report") == "1"
    actions.table_in_report(saved, wanted, request.user)
    messages.success(request, f"Table ‘{saved.name}’ {'added to' if wanted else 'taken out of'} the report.")
    return redirect(reverse("workspace:tables", args=[wave.pk]) + "#saved-tables")
