"""The web layer: a Django project that runs a survey wave (issue 5).

It calls the core (instrument, dataset) and is never imported by it. Start it with
``collabstate serve`` or ``make serve``; settings live in :mod:`collabstate.web.settings`.
"""
