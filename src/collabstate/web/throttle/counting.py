"""Counting events in fixed windows, in the database, so that a limit holds across every worker
process and every machine of the site.

``hit(scope, who, rate)`` counts one event and returns the count in the current window, in one
statement (an upsert that starts a new window when the old one has run out), so concurrent
requests on several workers never lose a count. A window starts with its first event and lasts
the rate's period: ``10/15m`` allows ten events, then refuses until fifteen minutes after the
first. Only a SHA-256 of the scope and who is counted (an address, an address and a username) is
stored.

Why written here, on the database, rather than taken from a library: django-ratelimit (which the
site used) counts with the cache's ``incr``, and the only cache every worker and machine shares
without another service to run is Django's database cache, whose ``incr`` is a read then a write
(Django ticket #23326, still open): requests at the same moment overwrite each other's counts, so
300 starts in a burst are counted as far fewer, and its ``add`` races into duplicate-key errors on
PostgreSQL (django-ratelimit issue #255). django-axes counts sign-ins well, and its design is
followed for them (:mod:`.sign_in`), but it counts nothing else (not the open link's starts) and
keeps a log of every attempt with addresses and browsers, which this site does not want to hold.

>>> Rate.parse("10/15m", "COLLABSTATE_SIGN_IN_FAILURES"), str(Rate.parse("60/m", "x"))
(Rate(limit=10, seconds=900), '60 in 1 minute')
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.http import HttpRequest

from ...errors import SetupError
from .models import Counter

__all__ = ["Rate", "client_address", "count", "hit", "purge", "reset", "seconds_left"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_NAMES = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int

    @classmethod
    def parse(cls, text: str, setting: str) -> Rate:
        """``"10/15m"``: ten in fifteen minutes (units s, m, h, d); ``setting`` names where it came from."""
        found = re.fullmatch(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*", text)
        if not found or int(found[1]) < 1 or found[2] == "0":
            raise SetupError(f"{setting}: {text!r} is not a rate; expected a number of events per period, e.g. 10/15m (s, m, h or d)")
        return cls(int(found[1]), int(found[2] or 1) * _UNITS[found[3]])

    def __str__(self) -> str:
        unit = max(u for u in _NAMES if self.seconds % u == 0)
        n = self.seconds // unit
        return f"{self.limit} in {n} {_NAMES[unit]}{'' if n == 1 else 's'}"


def rate(name: str) -> Rate:
    """The rate in ``settings.<name>`` (read each time: tests and the environment change it)."""
    return Rate.parse(getattr(settings, name), name)


def _key(scope: str, who: str) -> str:
    return hashlib.sha256(f"{scope}\0{who}".encode()).hexdigest()


def hit(scope: str, who: str, rate: Rate, now: float | None = None) -> int:
    """Count one event of ``who`` in ``scope``; the count in the current window, this one included."""
    now = time.time() if now is None else now
    over = now - rate.seconds  # a window that started at or before this has run out
    q = connection.ops.quote_name
    table, key, started, count = q(Counter._meta.db_table), q("key"), q("started"), q("count")
    statement = (
        f"INSERT INTO {table} ({key}, {started}, {count}) VALUES (%s, %s, 1) ON CONFLICT ({key}) DO UPDATE SET "
        f"{count} = CASE WHEN {table}.{started} <= %s THEN 1 ELSE {table}.{count} + 1 END, "
        f"{started} = CASE WHEN {table}.{started} <= %s THEN excluded.{started} ELSE {table}.{started} END "
        f"RETURNING {count}"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [_key(scope, who), now, over, over])
        return int(cursor.fetchone()[0])


def count(scope: str, who: str, rate: Rate, now: float | None = None) -> int:
    """The count of ``who`` in ``scope`` in the current window (0 when it has run out)."""
    now = time.time() if now is None else now
    found = Counter.objects.filter(key=_key(scope, who), started__gt=now - rate.seconds).values_list("count", flat=True).first()
    return found or 0


def seconds_left(scope: str, who: str, rate: Rate, now: float | None = None) -> int:
    """Seconds until the current window of ``who`` ends (0 when there is none)."""
    now = time.time() if now is None else now
    started = Counter.objects.filter(key=_key(scope, who)).values_list("started", flat=True).first()
    return max(0, round(started + rate.seconds - now)) if started is not None else 0


def reset(scope: str, who: str) -> None:
    Counter.objects.filter(key=_key(scope, who)).delete()


def purge(older_than: float = 7 * 86400, now: float | None = None) -> int:
    """Delete counters whose window started more than ``older_than`` seconds ago (a week: longer
    than any window the settings use); returns how many."""
    now = time.time() if now is None else now
    return Counter.objects.filter(started__lt=now - older_than).delete()[0]


def client_address(request: HttpRequest) -> str:
    """Who is counted: the client's address, as the last of ``settings.TRUSTED_PROXIES`` proxies
    in front of the site saw it (``X-Forwarded-For``; with none, the connection's own address).
    An IPv6 address counts as its /64 network, which one household or one machine usually has
    whole."""
    address = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.TRUSTED_PROXIES
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    return str(ipaddress.ip_network(f"{ip}/64", strict=False)) if ip.version == 6 else str(ip)
