"""Alert scores in [0, 1]: how sure the end party is listed, times how much the flow looks
like supply to it.

* ``direct_listed``: match score x (0.5 + 0.5 x share of the shipments that are goods of
  concern): shipping only furniture to a listed party halves the score.
* ``via_intermediary``: match score x share of the intermediary's inbound goods of those
  headings that it shipped on to the listed party x timing (1 when the onward shipment
  leaves the day the goods arrive, 0.5 when it leaves at the end of the window).
* ``controlled_goods``: the match score for a listed consignee, else
  ``RESTRICTED_DESTINATION_SCORE`` for goods of concern to a restricted destination.

Shares are by value when every shipment on both sides has one, else by shipment count.
"""

from __future__ import annotations

RESTRICTED_DESTINATION_SCORE = 0.5


def share(
    n_part: int, n_whole: int, value_part: float | None, value_whole: float | None, all_valued: bool
) -> float:
    """Part of a whole in [0, 1], by value when ``all_valued`` and the whole has value."""
    if all_valued and value_whole:
        ratio = (value_part or 0.0) / value_whole
    else:
        ratio = n_part / n_whole if n_whole else 0.0
    return min(1.0, max(0.0, ratio))


def direct_score(match: float, concern_share: float) -> float:
    """Score of shipments straight to a listed party."""
    return match * (0.5 + 0.5 * concern_share)


def timing_factor(median_lag_days: float, window_days: int) -> float:
    """1 for an onward shipment the day goods arrive, falling linearly to 0.5 at the window."""
    if window_days <= 0:
        return 1.0
    return 1.0 - 0.5 * min(1.0, max(0.0, median_lag_days) / window_days)


def via_score(
    match: float, outflow_share: float, median_lag_days: float, window_days: int
) -> float:
    """Score of a supplier -> intermediary -> listed party path."""
    return match * outflow_share * timing_factor(median_lag_days, window_days)


def controlled_score(match: float | None) -> float:
    """Score of goods of concern to a listed party (its match) or a restricted destination."""
    return match if match is not None else RESTRICTED_DESTINATION_SCORE
