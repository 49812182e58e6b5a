"""Adjusted Winner (Brams & Taylor) for two parties dividing divisible items.

Each party spreads 100 points over the items. Every item first goes to whoever values it more;
then the party ahead hands items to the other, in increasing order of the ratio
(own points / other's points), until the point totals are equal, splitting at most one item.
All arithmetic uses :class:`fractions.Fraction`, so the totals are *exactly* equal.

Ties are deterministic: an item both value equally starts with party A (ratio 1, so it is the
first to move if A is ahead); items with equal ratios move in input order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from .errors import AnalysisError

__all__ = ["AdjustedWinnerResult", "adjusted_winner"]

TOTAL = Fraction(100)


@dataclass(frozen=True)
class AdjustedWinnerResult:
    """Shares (fraction of each item per party), exact totals and the checked properties."""

    items: tuple[str, ...]
    parties: tuple[str, str]
    shares: tuple[tuple[Fraction, Fraction], ...]
    points: tuple[Fraction, Fraction]
    split_item: str | None
    envy_free: bool
    efficient: bool
    equitable: bool

    def to_dict(self) -> dict:
        """JSON-ready report (floats, plus exact totals as strings)."""
        a, b = self.parties
        return {
            "allocation": {
                item: {a: float(sa), b: float(sb)}
                for item, (sa, sb) in zip(self.items, self.shares, strict=True)
            },
            "points": {a: float(self.points[0]), b: float(self.points[1])},
            "points_exact": {a: str(self.points[0]), b: str(self.points[1])},
            "split_item": self.split_item,
            "envy_free": self.envy_free,
            "efficient": self.efficient,
            "equitable": self.equitable,
        }


def _value(
    shares: Sequence[tuple[Fraction, Fraction]],
    pts: Sequence[Sequence[Fraction]],
    holder: int,
    judge: int,
) -> Fraction:
    """Value, by ``judge``'s points, of what ``holder`` receives."""
    return sum((s[holder] * p[judge] for s, p in zip(shares, pts, strict=True)), Fraction(0))


def adjusted_winner(
    items: Sequence[str],
    points: Sequence[Sequence[Fraction | int | float | str]],
    parties: Sequence[str] = ("A", "B"),
    source: str | None = None,
) -> AdjustedWinnerResult:
    """Divide ``items`` between two parties; ``points[i] = (A's points, B's points)``."""
    if len(parties) != 2:
        raise AnalysisError(f"Adjusted Winner needs exactly 2 parties, got {len(parties)}", source)
    if not items:
        raise AnalysisError("no items to divide", source)
    if len(set(items)) != len(items):
        raise AnalysisError("duplicate item names", source)
    if len(points) != len(items):
        raise AnalysisError("one row of points per item is needed", source)
    pts = [
        [Fraction(str(x)) if isinstance(x, float) else Fraction(x) for x in row] for row in points
    ]
    for item, row in zip(items, pts, strict=True):
        if len(row) != 2 or any(x < 0 for x in row):
            raise AnalysisError(f"item {item!r}: points must be two numbers >= 0", source)
    for c, name in enumerate(parties):
        tot = sum((r[c] for r in pts), Fraction(0))
        if tot != TOTAL:
            raise AnalysisError(f"party {name!r} spreads {float(tot):g} points, not 100", source)
    n = len(items)
    shares = [(Fraction(1), Fraction(0)) if a >= b else (Fraction(0), Fraction(1)) for a, b in pts]
    tot_a = _value(shares, pts, 0, 0)
    tot_b = _value(shares, pts, 1, 1)
    split: str | None = None
    if tot_a != tot_b:
        win = 0 if tot_a > tot_b else 1
        lose = 1 - win
        held = [i for i in range(n) if shares[i][win] == 1 and pts[i][lose] > 0]
        # smallest ratio winner/loser first = cheapest for the winner to give up
        held.sort(key=lambda i: (pts[i][win] / pts[i][lose], i))
        tw, tl = (tot_a, tot_b) if win == 0 else (tot_b, tot_a)
        for i in held:
            w, lo = pts[i][win], pts[i][lose]
            if tw - w >= tl + lo:
                tw, tl = tw - w, tl + lo
                new = [Fraction(0), Fraction(0)]
                new[lose] = Fraction(1)
                shares[i] = (new[0], new[1])
                if tw == tl:
                    break
            else:
                f = (tw - tl) / (w + lo)  # fraction handed to the loser
                new = [Fraction(0), Fraction(0)]
                new[win], new[lose] = 1 - f, f
                shares[i] = (new[0], new[1])
                tw, tl = tw - f * w, tl + f * lo
                split = items[i]
                break
        tot_a, tot_b = (tw, tl) if win == 0 else (tl, tw)
    envy_free = _value(shares, pts, 0, 0) >= _value(shares, pts, 1, 0) and _value(
        shares, pts, 1, 1
    ) >= _value(shares, pts, 0, 1)
    return AdjustedWinnerResult(
        tuple(items),
        (parties[0], parties[1]),
        tuple(shares),
        (tot_a, tot_b),
        split,
        envy_free,
        _efficient(shares, pts),
        tot_a == tot_b,
    )


def _efficient(
    shares: Sequence[tuple[Fraction, Fraction]], pts: Sequence[Sequence[Fraction]]
) -> bool:
    """Pareto efficient iff some ratio threshold separates A's items from B's.

    Every item A holds (any share) must have ratio a/b >= every item B holds, compared by
    cross-multiplication so zero points need no special case.
    """
    a_items = [p for s, p in zip(shares, pts, strict=True) if s[0] > 0]
    b_items = [p for s, p in zip(shares, pts, strict=True) if s[1] > 0]
    return all(pa[0] * pb[1] >= pb[0] * pa[1] for pa in a_items for pb in b_items)
