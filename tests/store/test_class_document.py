"""A classification profile as ``profile.json``: JSON-safe (a skipped baseline's scores
null), every record field there, tagged with its task."""

from __future__ import annotations

import json
import math

from advisor.core.class_records import (
    ChannelScale,
    ClassBaseline,
    ClassCurve,
    ClassProfile,
    ClassSplit,
)
from advisor.store.document import CLASSIFICATION, class_profile_to_dict


def _profile() -> ClassProfile:
    split = ClassSplit(
        train=(0, 2, 3, 5),
        validation=(1, 4),
        test=(6, 7),
        test_source="advisor",
        seed=0,
        validation_share=0.2,
        test_share=0.25,
        train_counts=(2, 2),
        validation_counts=(1, 1),
        test_counts=(1, 1),
        notes=("a split note",),
    )
    return ClassProfile(
        n_sequences=8,
        classes=("a", "b"),
        class_counts=(2, 2),
        imbalance_ratio=1.0,
        min_length=5,
        median_length=6.5,
        max_length=9,
        ragged=True,
        channels=("x0",),
        curve_points=2,
        mean_curves=(
            ClassCurve("a", "x0", 2, (0.0, 1.0), (0.0, 0.5)),
            ClassCurve("b", "x0", 2, (1.0, 0.0), (0.5, 0.0)),
        ),
        scales=(ChannelScale("x0", 0.5, 0.25),),
        split=split,
        baselines=(
            ClassBaseline("majority", 0.5, 1 / 3, 0.5, 0.001, correct=(1, 0)),
            ClassBaseline("1nn_dtw", math.nan, math.nan, math.nan, 0.0, note="Not run: no aeon."),
        ),
        notes=split.notes,
    )


def test_the_classification_profile_is_json_safe_and_tagged() -> None:
    document = class_profile_to_dict(_profile())
    text = json.dumps(document, allow_nan=False)  # write_json's own check: no NaN
    back = json.loads(text)
    assert back["task"] == CLASSIFICATION == "classification"
    assert back["classes"] == ["a", "b"] and back["sequences"] == 8
    assert back["lengths"] == {"min": 5, "median": 6.5, "max": 9, "ragged": True}
    assert back["split"]["validation"] == [1, 4] and back["split"]["test_source"] == "advisor"
    assert back["scales"] == [{"channel": "x0", "mean": 0.5, "std": 0.25}]
    assert [c["class"] for c in back["mean_curves"]] == ["a", "b"]
    majority, dtw = back["baselines"]
    assert majority["val_accuracy"] == 0.5 and majority["correct"] == [1, 0]
    assert dtw["val_accuracy"] is None and dtw["val_macro_f1"] is None
    assert dtw["note"] == "Not run: no aeon."
    assert back["notes"] == ["a split note"]
