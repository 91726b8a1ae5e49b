"""The final classifier's ``model.py``: a standalone script that rebuilds and trains the
recommended LSTM classifier on the user's CSV, and the Keras snippet of it for the report.

Both render ``templates/class_keras_model.py.j2``, a macro that builds what
``diagnostics.classifier.build_classifier`` builds, so the script, the snippet and the
advisor's own model have the same layers and weights. The script reads the file's
layout as ``intake.sequences`` found it, keeps out exactly the test sequences the
advisor scored (their ids written in, since a split the advisor drew cannot be redone
without it), and prepares the sequences as ``diagnostics.classifier.prepare`` does.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import asdict
from functools import cache
from pathlib import Path
from typing import Any

from advisor.core.class_models import ClassifierConfig
from advisor.core.class_records import ClassSplit
from advisor.core.records import Precision
from advisor.core.sequences import SequenceSet
from advisor.diagnostics.classifier import MASK
from advisor.intake.cells import MISSING_TOKENS
from advisor.store.atomic import write_text

SCRIPT_TEMPLATE = "class_model.py.j2"
SNIPPET_TEMPLATE = "class_keras_snippet.py.j2"
SCRIPT_NAME = "model.py"
LINE = 88
"""Width of the lines a long list literal is wrapped to, so that thousands of test ids
stay a readable block."""

_HEADERLESS_NAME = re.compile(r"column \d+")
"""How the advisor's reader names the columns of a file without a header line."""


@cache
def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("advisor.final", "templates"),
        autoescape=False,  # Python source, not HTML: literals are made safe by repr
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["py"] = repr
    env.filters["pylist"] = wrapped_list
    env.filters["paragraph"] = paragraph
    return env


def paragraph(text: str, width: int = LINE - 4) -> str:
    """``text`` as one paragraph: its whitespace collapsed, wrapped to ``width``."""
    return textwrap.fill(" ".join(text.split()), width, break_on_hyphens=False)


def wrapped_list(values: list[Any] | tuple[Any, ...], width: int = LINE) -> str:
    """``values`` as a Python list literal (each item its ``repr``), on one line where it
    fits, else a few items a line under a four-space indent."""
    items = [repr(v) for v in values]
    flat = "[" + ", ".join(items) + "]"
    if len(flat) <= width - 20:  # room left for the constant's name in front
        return flat
    lines: list[str] = []
    line = ""
    for item in items:
        if line and len(line) + len(item) + 2 > width - 4:
            lines.append(line)
            line = ""
        line += f"{item}, "
    lines.append(line)
    return "[\n" + "\n".join("    " + ln.rstrip() for ln in lines) + "\n]"


def _has_header(seqs: SequenceSet) -> bool:
    """False where the advisor read the file as having no header line: every column it
    names is one of the names it gives such a file's columns."""
    named = [seqs.label_column, seqs.id_column, seqs.time_column, seqs.split_column]
    if seqs.layout == "long":
        named += list(seqs.channels)
    return not all(_HEADERLESS_NAME.fullmatch(n) for n in named if n is not None)


def class_script(
    config: ClassifierConfig,
    seqs: SequenceSet,
    split: ClassSplit,
    data_path: str,
    seed: int,
    members: int | None = None,
    precision: Precision = "float32",
) -> str:
    """``model.py`` for ``config`` on the file ``seqs`` was read from; every value a
    Python literal (``repr``), whatever the CSV's names. It trains once per final seed
    (``training.member_seeds``, ``members`` of them: the default's unless the budget took
    fewer) and averages the trainings, as the advisor's final model.

    ``EPOCHS`` is ``config.epochs``: the final training runs that many epochs on train +
    validation, with nothing left to stop early on.
    """
    from advisor import __version__
    from advisor.final.training import FINAL_SEEDS, member_seeds

    return (
        _environment()
        .get_template(SCRIPT_TEMPLATE)
        .render(
            version=__version__,
            data_path=data_path,
            layout=seqs.layout,
            header=_has_header(seqs),
            id_column=seqs.id_column,
            time_column=seqs.time_column,
            label_column=seqs.label_column,
            split_column=seqs.split_column,
            channels=list(seqs.channels),
            classes=list(seqs.classes),
            n_sequences=seqs.n_sequences,
            test_ids=[seqs.ids[i] for i in split.test],
            test_source=split.test_source,
            seeds=list(member_seeds(seed, members or FINAL_SEEDS)),
            config=config,
            layers=[asdict(layer) for layer in config.layers],
            mask=float(MASK),
            missing=sorted(MISSING_TOKENS - {""}),
            precision=precision,
        )
    )


def write_class_script(
    config: ClassifierConfig,
    seqs: SequenceSet,
    split: ClassSplit,
    data_path: str,
    run_dir: Path,
    seed: int,
    members: int | None = None,
    precision: Precision = "float32",
) -> Path:
    """Write ``run_dir/model.py`` whole or not at all, and return its path."""
    path = Path(run_dir) / SCRIPT_NAME
    write_text(path, class_script(config, seqs, split, data_path, seed, members, precision))
    return path


def class_keras_snippet(
    config: ClassifierConfig,
    channels: int,
    classes: int,
    length: int | None,
    patch: int = 1,
    averaged: bool = False,
) -> str:
    """The recommended classifier's Keras 3 model definition, valid Python on its own:
    the same macro as ``model.py``'s ``build_model``, the values written in place.
    ``channels`` are the file's; ``patch`` the steps folded into one (``fold_patch``);
    ``averaged``: a document of schema version 2, whose ``max_length`` averaged down."""
    return (
        _environment()
        .get_template(SNIPPET_TEMPLATE)
        .render(
            config=config,
            channels=channels * patch,
            classes=classes,
            length=length,
            mask=MASK,
            patch=patch,
            averaged=averaged,
        )
    )
