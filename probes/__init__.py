"""Probes: what the data say before any training (installed as ``advisor.probes``).

``profile.build_profile`` assembles the record from ``seasonality``, ``stationarity``,
``lags``, ``complexity``, ``quality``, ``baselines`` and ``size``. Statsmodels and SciPy
only: nothing here imports TensorFlow or Keras, so ``advisor profile`` starts fast.
"""
