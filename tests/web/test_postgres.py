"""What only PostgreSQL does (the site on ``DATABASE_URL``): run by ``make test-postgres``, which
installs a local cluster from Debian's packages; skipped on SQLite (plain ``make test``)."""

from __future__ import annotations

import os
import select

import pytest

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="needs DATABASE_URL=postgres://…"),
]


def test_the_site_runs_on_the_health_checked_backend(db):
    from django.db import connection

    assert connection.vendor == "postgresql"
    assert connection.settings_dict["ENGINE"] == "collabstate.web.postgres"
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True


def test_a_connection_the_server_ended_is_found_without_a_query_and_replaced(transactional_db):
    import psycopg
    from django.db import connection

    connection.ensure_connection()
    assert connection.is_usable()
    old = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")}, autocommit=True
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [old])
    select.select([connection.connection.fileno()], [], [], 5)  # the server's goodbye arrives
    assert not connection.is_usable()
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:  # a new connection, as a request would get
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != old


def test_an_idle_kept_connection_is_used_without_a_round_trip(db, monkeypatch):
    from django.db import connection

    connection.ensure_connection()
    sent = []
    real = connection.connection.cursor
    monkeypatch.setattr(connection.connection, "cursor", lambda *a, **k: sent.append(1) or real(*a, **k))
    assert connection.is_usable()
    assert sent == []


def test_a_page_is_saved_in_one_statement(wave, start, client, settings, django_assert_num_queries):
    """The respondent's row and the answers change together or not at all, in one round trip."""
    from collabstate.web.surveys.models import Answer, Respondent

    settings.WAVE_CACHE_SECONDS = 60  # as served: the wave is read once
    token = start(wave)
    client.post(f"/r/{token}/q/q1_example/", {"q1_example": "1"})
    with django_assert_num_queries(2):  # the token's respondent and answers; the save
        response = client.post(f"/r/{token}/q/q3_stakeholders/", {"q3_stakeholders": ["gp_practice", "other"]})
    assert response.status_code == 302
    respondent = Respondent.objects.get()
    assert respondent.pages_saved == 2
    ticked = {"gp_practice", "other"}
    options = [
        "local_authority",
        "community_associations",
        "private_housing_developer",
        "private_care_provider",
        "gp_practice",
        "ccg",
        "nhs_trust",
        "other",
    ]
    expected = {"q1_example": "1", **{f"q3_stakeholders/{o}": "1" if o in ticked else "0" for o in options}}
    assert dict(Answer.objects.values_list("column", "value")) == expected
    assert respondent.page == "q3_other_text"


def test_a_page_saved_after_completing_changes_nothing(wave, start, client):
    """A retried POST that arrives after the respondent completed matches no row: nothing stored."""
    from collabstate.web.surveys import actions
    from collabstate.web.surveys.models import Answer

    token = start(wave)
    client.post(f"/r/{token}/q/q1_example/", {"q1_example": "2"})
    respondent = actions.find_respondent(token)
    actions.complete(respondent)
    before = dict(Answer.objects.values_list("column", "value"))
    actions.save_page(respondent, {"q7_importance": "4", "q1_example": None}, "q8_prevalence")
    assert dict(Answer.objects.values_list("column", "value")) == before
