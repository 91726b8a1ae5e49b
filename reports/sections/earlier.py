"""What a report says of the history of analyses: the similar earlier ones whose settings
the search tried first, how those settings scored here, and this analysis' own record.
Shared by the forecasting and the classification report."""

from __future__ import annotations

from collections.abc import Sequence

from advisor.reports.info.history import HistoryInfo
from advisor.reports.info.values import defined
from advisor.reports.sections.common import fmt, plural


def earlier_lines(
    history: HistoryInfo | None,
    trials: Sequence[tuple[str, int | None, float | None]],
    score_words: str,
    lower_is_better: bool,
) -> tuple[str, ...]:
    """``trials``: (trial id, history id, score) in the order they ran."""
    if history is None:
        return ()
    lines: list[str] = []
    if history.neighbours:
        names = "; ".join(
            f"{n.name} (analysis {n.id}, similarity {fmt(n.similarity, 2)}"
            + (f", {n.created[:10]}" if n.created else "")
            + ")"
            for n in history.neighbours
        )
        lines.append(
            f"Earlier analyses with a similar profile: {names}. Their final settings were "
            "tried right after the suggestion (the search's ranges widened to hold them; "
            "a setting this analysis settled kept its own value)."
        )
        scores = sorted(
            (float(s) for _, _, s in trials if s is not None and defined(s)),
            reverse=not lower_is_better,
        )
        for n in history.neighbours:
            mine = next((t for t in trials if t[1] == n.id), None)
            if mine is None:
                lines.append(
                    f"{n.name}'s settings were not tried as a trial of their own: with "
                    "this analysis' settled settings they equal the suggestion, or the "
                    "search stopped first."
                )
            elif mine[2] is None or not defined(mine[2]):
                lines.append(f"{n.name}'s settings (trial {mine[0]}) did not finish.")
            else:
                rank = scores.index(float(mine[2])) + 1
                place = "the best trial" if rank == 1 else f"{rank} of {len(scores)} trials"
                lines.append(
                    f"{n.name}'s settings (trial {mine[0]}) scored {score_words} of "
                    f"{fmt(mine[2])}: {place}."
                )
    elif history.considered:
        lines.append(
            f"None of the {plural(history.considered, 'earlier analysis', 'earlier analyses')}"
            " of this kind in the history was similar enough to try its settings."
        )
    else:
        lines.append("The history held no earlier analysis of this kind to learn from.")
    if history.recorded_id is not None:
        lines.append(
            f"This analysis is recorded in the history ({history.path}) as analysis "
            f"{history.recorded_id}; `advisor history show {history.recorded_id}` prints it."
        )
    elif history.note:
        lines.append(history.note)
    return tuple(lines)
