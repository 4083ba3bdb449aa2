"""The load test's background work (benchmarks/loadtest.py, run ``background``; issue 14): while the
simulated respondents answer the ``loadtest`` wave, an analyst, through the workspace's own pages
as a browser would, uploads a list of 100,000 invitees into another wave (``background``), sends
them the invitations, and imports a file of 20,000 responses into it. Each request is timed (it
must return at once: the work is queued), then the jobs' pages are read until they are done. Mail
goes to files under the run's ``var/mail`` (Django's file backend, the site's default).

    setup(env)                        the wave and the analyst (a child process, with the run's environment)
    write_files(folder, n_invitees, n_responses)
    await drive(base, folder, log)    the analyst's requests; a dict of what happened
    python loadtest_background.py count   (child process) what the database and the mail folder hold, as JSON
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

WAVE = "background"
USER, PASSWORD = "loadtest-analyst", "a-long-pass-phrase-for-the-load-test"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
JOB = re.compile(r"/workspace/waves/(\d+)/jobs/(\d+)/$")


def setup(env: dict[str, str], bin_dir: Path) -> None:
    subprocess.run([str(bin_dir / "collabstate"), "wave", "create", WAVE, "--instrument", "readiness-2018", "--mode", "identified"],
                   env=env, check=True, capture_output=True, text=True)  # fmt: skip
    script = (
        "from collabstate.web.setup import setup_django; setup_django(migrate=False)\n"
        "from django.contrib.auth import get_user_model\n"
        "from collabstate.web.workspace.models import Membership, Organisation\n"
        f"user = get_user_model().objects.create_user({USER!r}, 'analyst@example.org', {PASSWORD!r})\n"
        "Membership.objects.create(user=user, organisation=Organisation.objects.get(name='Default'), role='analyst')\n"
    )
    subprocess.run([sys.executable, "-c", script], env=env, check=True, capture_output=True, text=True)


def write_files(folder: Path, n_invitees: int, n_responses: int) -> tuple[Path, Path]:
    sectors = ("Public", "Private", "Voluntary", "Education")
    invitees = folder / "invitees.csv"
    with open(invitees, "w", encoding="utf-8") as out:
        out.write("email,name,organisation,sector\n")
        for i in range(n_invitees):
            out.write(f"person{i}@example.org,Person {i},Organisation {i % 997},{sectors[i % 4]}\n")
    responses = folder / "responses.csv"
    with open(responses, "w", encoding="utf-8") as out:
        out.write("q1_example,q6_success,q7_importance,q12_tools,q16_sector,q8_why\n")
        for i in range(n_responses):
            out.write(f'1,{1 + i % 4},{1 + i % 5},{i % 4},{1 + i % 3},"Joint work, number {i}"\n')
    return invitees, responses


async def _csrf(session: aiohttp.ClientSession, url: str) -> tuple[str, str]:
    async with session.get(url) as r:
        text = await r.text()
        return CSRF.search(text)[1], str(r.url)


async def _post(session, url: str, form: aiohttp.FormData | dict, log: dict, name: str) -> str:
    """POST (not following the redirect); the seconds it took go into ``log[name]``; the Location."""
    began = time.perf_counter()
    async with session.post(url, data=form, allow_redirects=False) as r:
        await r.read()
        log[name] = {"seconds": time.perf_counter() - began, "status": r.status}
        if r.status != 302:
            raise RuntimeError(f"{name}: {url} answered {r.status}")
        return r.headers["Location"]


async def _upload(session, base: str, wave: int, what: str, path: Path, log: dict) -> str:
    token, _ = await _csrf(session, f"{base}/workspace/waves/{wave}/{what}/")
    form = aiohttp.FormData()
    form.add_field("csrfmiddlewaretoken", token)
    form.add_field("file", path.read_bytes(), filename=path.name, content_type="text/csv")
    return await _post(session, f"{base}/workspace/waves/{wave}/{what}/", form, log, what)


async def _until_done(session, base: str, location: str, log: dict, name: str, timeout: float) -> None:
    """Read the job's page until it says done or failed; its last words, and when it ended."""
    began = time.perf_counter()
    while True:
        async with session.get(base + location) as r:
            text = await r.text()
        status = re.search(r'id="job-status">(.*?)</p>', text, re.S)
        said = re.sub(r"<[^>]+>", "", status[1]).strip() if status else ""
        if said.startswith(("Done", "Failed")):
            error = re.search(r'id="job-error">(.*?)</p>', text, re.S)
            log[name] = {"said": said, "error": error[1] if error else "", "seconds": time.perf_counter() - began}
            return
        if time.perf_counter() - began > timeout:
            log[name] = {"said": said, "error": "still running when the load test stopped waiting", "seconds": timeout}
            return
        await asyncio.sleep(1.0)


async def drive(base: str, folder: Path, log: dict, timeout: float = 3600) -> None:
    """The analyst's session: sign in, upload the invitees, send the invitations once they are
    added, import the responses at the same time; wait for all of it to end."""
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar, timeout=aiohttp.ClientTimeout(total=300)) as session:
        token, _ = await _csrf(session, f"{base}/accounts/login/")
        await _post(
            session, f"{base}/accounts/login/", {"csrfmiddlewaretoken": token, "username": USER, "password": PASSWORD}, log, "sign_in"
        )
        async with session.get(f"{base}/workspace/") as r:
            wave = int(re.search(r'href="/workspace/waves/(\d+)/"', await r.text())[1])
        log["started"] = time.perf_counter()
        added = await _upload(session, base, wave, "invitees", folder / "invitees.csv", log)
        imported = await _upload(session, base, wave, "import", folder / "responses.csv", log)
        importing = asyncio.create_task(_until_done(session, base, imported, log, "import_job", timeout))
        await _until_done(session, base, added, log, "invitees_job", timeout)
        token, _ = await _csrf(session, f"{base}/workspace/waves/{wave}/")
        sent = await _post(
            session, f"{base}/workspace/waves/{wave}/send/", {"csrfmiddlewaretoken": token, "what": "invitations"}, log, "send"
        )
        await _until_done(session, base, sent, log, "send_job", timeout)
        await importing
        log["ended"] = time.perf_counter()


def count() -> dict:
    """What the background wave holds now, and how many e-mails the mail folder holds."""
    from collabstate.web.setup import setup_django

    setup_django(migrate=False)
    from django.conf import settings

    from collabstate.web.surveys.models import Wave
    from collabstate.web.workspace.models import WaveJob

    wave = Wave.objects.get(slug=WAVE)
    mails = 0
    for path in Path(settings.EMAIL_FILE_PATH).glob("*"):
        with open(path, "rb") as handle:
            mails += sum(1 for line in handle if line.startswith(b"Subject: "))
    return {
        "invitees": wave.invitees.count(), "invited": wave.invited(), "imported": wave.imported(), "mails": mails,
        "jobs": {kind: [status, done, total] for kind, status, done, total in WaveJob.objects.values_list("kind", "status", "done", "total")},
        "incomplete_imported": wave.responses.filter(imported=True, completed=False).count(),
    }  # fmt: skip


if __name__ == "__main__" and sys.argv[1:] == ["count"]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collabstate.web.settings")
    print(json.dumps(count()))
