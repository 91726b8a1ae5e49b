"""What ``advisor profile`` shows for a classification file: one screen of rich renderables.

The file's shape (layout and columns, sequences per split, classes and their balance,
lengths, channels), then the baselines an LSTM has to beat, scored on validation, with
what capped them, then the notices. Like ``terminal`` it prints nothing, and every
string from the data reaches rich as ``Text``: a class called ``[red]`` shows as typed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from advisor.probes.class_baselines import BASELINE_NAMES

if TYPE_CHECKING:
    from advisor.core.class_records import ClassBaseline, ClassProfile
    from advisor.core.sequences import SequenceSet

# Beyond these the line says how many more: a file of 60 classes or 40 channels must
# not push the baselines off the screen. profile.json has them all.
MAX_CLASSES = 8
MAX_CHANNELS = 8


def _listed(names: list[str], limit: int) -> str:
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f" and {more} more" if more > 0 else "")


def _columns(seqs: SequenceSet) -> str:
    roles = [
        ("id", seqs.id_column),
        ("time", seqs.time_column),
        ("label", seqs.label_column),
        ("split", seqs.split_column),
    ]
    named = ", ".join(f"{role} {name!r}" for role, name in roles if name is not None)
    if seqs.layout == "long":
        rows = "one row per time step"
    else:
        rows = "one row per sequence, one column per step"
    return f"{seqs.layout}: {rows} ({named})"


def _sequences(profile: ClassProfile) -> str:
    split = profile.split
    # The advisor's draw is explained in the split's own note, shown below the table.
    test = "the file's split column" if split.test_source == "file" else "drawn by the advisor"
    return (
        f"{profile.n_sequences:,}: {split.n_train:,} train, {split.n_validation:,} "
        f"validation, {split.n_test:,} test ({test})"
    )


def _classes(seqs: SequenceSet) -> str:
    counts = seqs.class_counts
    listed = _listed([f"{name} ({count:,})" for name, count in counts.items()], MAX_CLASSES)
    return f"{len(counts)}: {listed}; imbalance {seqs.imbalance_ratio:.2f} (largest/smallest)"


def _lengths(seqs: SequenceSet) -> str:
    if not seqs.ragged:
        return f"{seqs.max_length:,} steps each (not ragged)"
    return (
        f"min {seqs.min_length:,} / median {seqs.median_length:,.0f} / max "
        f"{seqs.max_length:,} steps (ragged)"
    )


def _facts(seqs: SequenceSet, profile: ClassProfile) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    rows = [
        ("layout", _columns(seqs)),
        ("sequences", _sequences(profile)),
        ("classes", _classes(seqs)),
        ("lengths", _lengths(seqs)),
        ("channels", f"{seqs.n_channels}: {_listed(list(seqs.channels), MAX_CHANNELS)}"),
    ]
    for what, value in rows:
        table.add_row(what, Text(value))
    return table


def _score(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x:.3f}"


def _baselines(profile: ClassProfile) -> Table:
    best = profile.best_baseline
    table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
    table.add_column("Baseline", no_wrap=True)
    for header in ("accuracy", "macro-F1", "balanced acc.", "seconds"):
        table.add_column(header, justify="right", no_wrap=True)
    for b in profile.baselines:
        name = BASELINE_NAMES.get(b.name, b.name) + (" (capped)" if b.capped else "")
        table.add_row(
            Text(name),
            _score(b.accuracy),
            _score(b.macro_f1),
            _score(b.balanced_accuracy),
            "n/a" if b.skipped else f"{b.seconds:.2f}",
            style="bold" if best is not None and b.name == best.name else None,
        )
    return table


def _notes(
    seqs: SequenceSet, baselines: tuple[ClassBaseline, ...], notes: tuple[str, ...]
) -> Table | None:
    # Every note in full, wrapped under its mark: a cap's note says what the score was
    # measured on, and the data's notices what was changed; cut short, neither could be
    # acted on.
    lines = [(f"{BASELINE_NAMES.get(b.name, b.name)}: ", b.note) for b in baselines if b.note]
    lines += [("data: ", n) for n in (*seqs.notices, *notes)]
    if not lines:
        return None
    table = Table.grid(padding=(0, 1))
    table.add_column(style="yellow", no_wrap=True)
    table.add_column()
    for label, note in lines:
        table.add_row("!", Text.assemble((label, "bold"), note))
    return table


def class_profile_renderables(
    seqs: SequenceSet, profile: ClassProfile, written: str | None = None
) -> list[RenderableType]:
    """``advisor profile``'s screen for labelled sequences; ``written`` is the path of
    the ``profile.json`` it wrote, said last."""
    validation = profile.split.n_validation
    parts: list[RenderableType] = [
        Text(f"Profile of {seqs.path}: sequence classification", style="bold cyan"),
        _facts(seqs, profile),
        Text(),
        Text(
            f"Baselines on the {validation:,} validation sequences: the bar an LSTM must clear",
            style="bold",
        ),
        _baselines(profile),
    ]
    notes = _notes(seqs, profile.baselines, profile.notes)
    if notes is not None:
        parts.append(notes)
    if written:
        parts += [Text(), Text.assemble(("wrote ", "bold"), written)]
    return parts
