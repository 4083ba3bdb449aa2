"""One row per thing counted: a hash of what is counted and for whom, when its window started
and how many so far (:mod:`.counting`)."""

from django.db import models


class Counter(models.Model):
    key = models.CharField(max_length=64, primary_key=True, help_text="SHA-256 of the scope and who is counted (no address is stored)")
    started = models.FloatField(help_text="When the current window started (seconds since 1970)")
    count = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.key[:12]}…: {self.count}"
