"""Numbers from responses: weighted point estimates (variance and intervals come with the estimate engine)."""

from .point import index_scores, option_shares, net_share, scale_mean

__all__ = ["index_scores", "net_share", "option_shares", "scale_mean"]
