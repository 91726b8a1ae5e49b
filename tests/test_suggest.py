"""The one "did you mean" helper that the intake and the rules share."""

from __future__ import annotations

from advisor.core.suggest import closest, did_you_mean


def test_closest_offers_a_near_miss_and_nothing_for_a_stranger() -> None:
    assert closest("overfiting", ["overfitting", "underfitting"]) == "overfitting"
    assert closest("zzz", ["overfitting", "underfitting"]) is None


def test_ignore_case_prefers_the_same_name_and_returns_its_spelling() -> None:
    assert closest("sales", ["Sale", "SALES"], ignore_case=True) == "SALES"
    assert closest("SALE", ["sales", "date"], ignore_case=True) == "sales"
    assert closest("sales", ["Sale", "SALES"]) == "Sale"  # case counts without the flag


def test_cutoff_decides_how_near_is_near_enough() -> None:
    # difflib's ratio of "unit" and "units" is 8/9; of "dp" and "dropout" 4/9.
    assert closest("dp", ["dropout"], cutoff=0.6) is None
    assert closest("dp", ["dropout"], cutoff=0.4) == "dropout"


def test_did_you_mean_phrases_and_quotes_the_match() -> None:
    assert did_you_mean("unit", ["units", "layers"]) == "did you mean 'units'?"
    assert did_you_mean("unit", ["units"], quote=str.upper) == "did you mean UNITS?"
    assert did_you_mean("zzz", ["units"]) is None
