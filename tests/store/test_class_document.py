"""A classification profile as ``profile.json``: JSON-safe (a skipped baseline's scores
null), every record field there, tagged with its task."""

from __future__ import annotations

import json
import math

import pytest

from advisor.core.class_records import (
    ChannelScale,
    ClassBaseline,
    ClassCurve,
    ClassProfile,
    ClassSplit,
)
from advisor.store.document import CLASSIFICATION, class_profile_to_dict
from advisor.store.schema import SCHEMA_VERSION, readable_schema


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


# ------------------------------------------------------------ recommendation.json


def _document(**kwargs: bool) -> dict:
    from support.class_analysis import make_analysis

    from advisor.store.class_document import to_class_document

    return to_class_document(make_analysis(**kwargs))


def test_the_classification_document_is_strict_json_at_version_2() -> None:
    document = _document()
    back = json.loads(json.dumps(document, allow_nan=False))
    assert back["schema_version"] == SCHEMA_VERSION == 3
    data = back["data"]
    assert data["task"] == "classify" and data["layout"] == "long"
    assert data["classes"] == ["fall", "rise", "wave"] and data["sequences"] == 30
    assert data["label_column"] == "label" and data["split_column"] is None
    assert back["profile"]["mean_curves"] and back["profile"]["baselines"]
    # A diverged trial's scores are null, not NaN or Infinity.
    cut = back["verification"]["trials"][2]
    assert cut["val_loss"] is None and cut["val_accuracy"] is None and cut["cut"]
    assert back["verification"]["cv"]["mean_accuracy"]["suggestion"] == pytest.approx(0.6)
    # The verdict's band: unbounded is a null high, its figures as numbers.
    verdict = back["verdict"]
    assert verdict["advised"] and verdict["label"] == "MiniRocket"
    assert verdict["val_band"]["high"] is None and verdict["val_band"]["origins"] == 3
    assert verdict["test_band"]["low"] == 0.5
    assert [b["label"] for b in back["test_baselines"]] == [
        "majority class",
        "1-NN DTW",
        "MiniRocket",
    ]


def test_the_final_model_carries_its_confusion_matrix_with_class_names() -> None:
    from support.class_analysis import final

    fin = final()
    back = json.loads(json.dumps(_document(), allow_nan=False))["final"]
    assert back["confusion"]["classes"] == ["fall", "rise", "wave"]
    assert back["confusion"]["counts"] == [list(row) for row in fin.confusion]
    rows = {c["class"]: c for c in back["per_class"]}
    assert set(rows) == {"fall", "rise", "wave"}
    assert rows["fall"]["support"] == sum(fin.confusion[0])
    assert rows["fall"]["recall"] == pytest.approx(fin.recall[0])
    assert back["model_path"] == "run/model.keras" and back["script_path"] == "run/model.py"
    assert back["test_correct"] == list(fin.test_correct)


def test_configurations_round_trip() -> None:
    from support.class_analysis import config

    from advisor.store.class_document import class_config_from_dict, class_config_to_dict

    for cfg in (config(), config(64, 0.3, bidirectional=True)):
        assert class_config_from_dict(json.loads(json.dumps(class_config_to_dict(cfg)))) == cfg


def test_missing_stages_are_null() -> None:
    back = json.loads(
        json.dumps(
            _document(with_verification=False, with_final=False, partial=True), allow_nan=False
        )
    )
    assert back["verification"] is None and back["final"] is None
    assert back["test_baselines"] == [] and back["run"]["partial"] is True
    assert back["verdict"]["test_accuracy"] is None and back["verdict"]["test_band"] is None


def test_readable_schema_reads_both_versions_and_refuses_others() -> None:
    from support.report import make_document

    forecast_v1 = make_document()
    assert forecast_v1["schema_version"] == 1
    assert readable_schema(forecast_v1) is None
    assert readable_schema(_document()) is None
    assert readable_schema({**forecast_v1, "schema_version": 2}) is None
    assert readable_schema({**forecast_v1, "schema_version": 3}) is None
    for version in (4, None, "2", True):
        problem = readable_schema({**forecast_v1, "schema_version": version})
        assert problem is not None and "schema_version" in problem and "fix:" in problem
    classify_v1 = {"schema_version": 1, "data": {"task": "classify"}}
    assert "classification" in (readable_schema(classify_v1) or "")
    assert "JSON object" in (readable_schema([1, 2]) or "")
