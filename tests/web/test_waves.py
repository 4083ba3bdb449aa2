"""Waves: a built-in or uploaded instrument, checked before it is used; the admin for staff only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from collabstate.web.surveys.models import Wave

INSTRUMENT = """\
id: pulse
title: Partnership pulse
questions:
  - id: works
    type: single
    text: Is the partnership working?
    required: true
    choices:
      - {code: 1, label: Yes}
      - {code: 2, label: No}
  - id: why_not
    type: text
    text: What would help?
    relevant: works == 2
"""


def wave(**fields) -> Wave:
    now = timezone.now()
    return Wave(**{"slug": "w", "title": "W", "opens_at": now, "closes_at": now + dt.timedelta(days=1), **fields})


def test_an_uploaded_instrument_is_used_for_the_pages(db, client, start, organisation):
    w = wave(instrument_yaml=INSTRUMENT, open_link=True, organisation=organisation)
    w.full_clean()
    w.save()
    token = start(w)
    assert client.post(f"/r/{token}/q/works/", {"works": "2"})["Location"] == f"/r/{token}/q/why_not/"


def test_an_unusable_instrument_lists_every_problem(db):
    broken = INSTRUMENT.replace("works == 2", "nothing == 2").replace("code: 2", "code: 1")
    with pytest.raises(ValidationError) as caught:
        wave(instrument_yaml=broken).full_clean()
    problems = caught.value.message_dict["instrument_yaml"]
    assert len(problems) == 2 and any("duplicate code 1" in p for p in problems) and any("nothing" in p for p in problems)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({}, "instrument_ref", "Give a built-in instrument or upload"),
        ({"instrument_ref": "nope"}, "instrument_ref", "No built-in instrument 'nope'"),
        ({"instrument_ref": "leaders", "closes_at": timezone.now() - dt.timedelta(days=9)}, "closes_at", "close after it opens"),
    ],
)
def test_wave_checks(db, fields, field, message):
    with pytest.raises(ValidationError) as caught:
        wave(**fields).full_clean()
    assert message in " ".join(caught.value.message_dict[field])


def test_the_admin_is_for_staff_and_takes_an_instrument_file(db, client, django_user_model, organisation):
    assert client.get("/admin/surveys/wave/add/").status_code == 302  # to the login page
    staff = django_user_model.objects.create_superuser("staff", "staff@example.org", "a-long-pass-phrase-1")
    client.force_login(staff)
    now = timezone.localtime()
    response = client.post(
        "/admin/surveys/wave/add/",
        {
            "slug": "pulse",
            "title": "Pulse",
            "instrument_ref": "",
            "instrument_yaml": "",
            "instrument_file": SimpleUploadedFile("pulse.yaml", INSTRUMENT.encode()),
            "opens_at_0": now.strftime("%Y-%m-%d"),
            "opens_at_1": "00:00:00",
            "closes_at_0": (now + dt.timedelta(days=9)).strftime("%Y-%m-%d"),
            "closes_at_1": "00:00:00",
            "mode": "anonymous",
            "max_reminders": "2",
            "organisation": organisation.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Wave.objects.get(slug="pulse").instrument.id == "pulse"


def test_the_migrations_match_the_models(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)  # exits non-zero when a migration is missing
    assert "No changes detected" in out.getvalue()


def test_staff_send_invitations_from_the_admin(db, client, django_user_model, make_wave):
    from django.core import mail

    from collabstate.web.surveys.invitations import add_invitees

    wave = make_wave("admin-wave")
    add_invitees(wave, "email\nami@example.org\nbo@example.org\n")
    client.force_login(django_user_model.objects.create_superuser("staff", "s@example.org", "a-long-pass-phrase-1"))
    response = client.post("/admin/surveys/wave/", {"action": "send_invitations", "_selected_action": [wave.pk]}, follow=True)
    assert "2 invitations sent." in response.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == ["ami@example.org", "bo@example.org"]


def test_staff_upload_invitees_in_the_admin_with_problems_by_row(db, client, django_user_model, make_wave):
    wave = make_wave("upload-wave")
    client.force_login(django_user_model.objects.create_superuser("staff", "s@example.org", "a-long-pass-phrase-1"))
    url = f"/admin/surveys/wave/{wave.pk}/invitees/"
    assert f'href="{url}"' in client.get(f"/admin/surveys/wave/{wave.pk}/change/").content.decode()
    bad = client.post(url, {"file": SimpleUploadedFile("list.csv", b"email,name\nami@example.org,Ami\nnope,Bo\n")})
    html = bad.content.decode()
    assert "list.csv: row 3, column email: &#x27;nope&#x27;: expected an e-mail address" in html and "nobody was added" in html
    assert not wave.invitees.exists()
    good = client.post(url, {"file": SimpleUploadedFile("list.csv", b"email,name\nami@example.org,Ami\nbo@example.org,Bo\n")}, follow=True)
    assert "2 invitees added" in good.content.decode()
    assert sorted(wave.invitees.values_list("email", flat=True)) == ["ami@example.org", "bo@example.org"]


def test_the_admin_is_closed_to_people_who_are_not_staff(db, client, django_user_model, make_wave):
    wave = make_wave("closed-admin")
    client.force_login(django_user_model.objects.create_user("someone", "x@example.org", "a-long-pass-phrase-1"))
    assert client.get(f"/admin/surveys/wave/{wave.pk}/invitees/").status_code == 302  # to the admin's login
    assert client.post(f"/admin/surveys/wave/{wave.pk}/invitees/", {}).status_code == 302
