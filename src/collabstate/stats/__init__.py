"""Numbers with uncertainty: the design, Taylor-linearised variance, intervals, estimates and
comparisons. Every number a person reads comes from :func:`estimate`'s one table."""

from ._engine import resolve as resolve_questions
from ._index import item_scores
from .bases import answer_counts
from .chisq import ChisqResult, rao_scott
from .compare import benjamini_hochberg, pairwise_letters, trend_changes, wave_change
from .crosstab import crosstab
from .design import Design
from .estimate import ESTIMATE_SCHEMA, estimate
from .intervals import CI_METHODS, check_level, check_method, korn_graubard, logit_interval, proportion_interval, t_interval, wald, wilson
from .variance import DomainMean, domain_mean, linearise_ratio, psu_totals, vcov_totals
from .weighting import Targets, TargetsError, WeightingDataError, WeightingResult, load_targets, poststratify, rake

__all__ = [
    "CI_METHODS",
    "ESTIMATE_SCHEMA",
    "ChisqResult",
    "Design",
    "DomainMean",
    "Targets",
    "TargetsError",
    "WeightingDataError",
    "WeightingResult",
    "answer_counts",
    "benjamini_hochberg",
    "check_level",
    "check_method",
    "crosstab",
    "domain_mean",
    "estimate",
    "item_scores",
    "korn_graubard",
    "linearise_ratio",
    "load_targets",
    "logit_interval",
    "pairwise_letters",
    "poststratify",
    "proportion_interval",
    "psu_totals",
    "rake",
    "rao_scott",
    "resolve_questions",
    "t_interval",
    "trend_changes",
    "vcov_totals",
    "wald",
    "wave_change",
    "wilson",
]
