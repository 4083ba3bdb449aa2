"""What the numbers say: headline figures, readiness profiles, findings."""

from .headlines import headline_figures, headline_measures

__all__ = ["headline_figures", "headline_measures"]
