"""Probes: what the data say before any training (installed as ``advisor.probes``).

Forecasting: ``profile.build_profile`` assembles the record from ``seasonality``,
``stationarity``, ``lags``, ``complexity``, ``quality``, ``baselines`` and ``size``.
Sequence classification: ``class_profile.build_class_profile``, with the baselines of
``class_baselines``. Statsmodels and SciPy at import only (statsforecast and aeon inside
the functions that fit): nothing here imports TensorFlow or Keras, so ``advisor profile``
starts fast.
"""
