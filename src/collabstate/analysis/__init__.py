"""What the numbers say: headline figures, findings (which ones a report states), readiness profiles
set against peers with percentile ranks, rankings and quotes."""

from .findings import Finding, choose_findings
from .headlines import headline_figures, headline_measures
from .profiles import PeerComparison

__all__ = ["Finding", "PeerComparison", "choose_findings", "headline_figures", "headline_measures"]
