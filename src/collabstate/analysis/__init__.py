"""What the numbers say: headline figures, findings (which ones a report states), readiness profiles,
rankings and quotes."""

from .findings import Finding, choose_findings
from .headlines import headline_figures, headline_measures

__all__ = ["Finding", "choose_findings", "headline_figures", "headline_measures"]
