#!/usr/bin/env bash
# One short run of the GPU measurements on a machine with a GPU, PyTorch and JAX but no
# TensorFlow and no package index: installs the wheels benchmarks/gpu_wheels.sh made
# (--no-deps, into /tmp/site), then under KERAS_BACKEND=jax unless a step says otherwise
#   1. the fused capacity sweep against its widest width alone, a plain fit and a raw
#      PyTorch cuDNN LSTM (benchmarks/fused_sweep.py, 100,000 windows, lookback 64,
#      batch 256, the form the device picks), in float32,
#   2. the fused sweep against its widest width alone once under KERAS_BACKEND=torch,
#      whose Keras LSTM goes through torch's cuDNN call on a GPU (one repeat),
#   3. the same under JAX once in bfloat16 (one repeat), and
#   4. `advisor analyze` on a seeded 1,000,000-row minute series inside --budget 150s
#      (benchmarks/large_series.py), which compares the precisions itself.
# Each step has its own time limit (200, 80, 70 and 200 s), so the whole run ends inside
# 10 minutes; every line also goes to RESULTS/log.
#
#   bash benchmarks/gpu_check.sh [WHEELS] [RESULTS]     # default: .whl gpu-check
#
# GPU_CHECK_SMALL=1 shrinks every step to a minute or less on a CPU, to try the script itself.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
wheels=$(realpath "${1:-.whl}")
mkdir -p "${2:-gpu-check}"
results=$(realpath "${2:-gpu-check}")
exec > >(tee "$results/log") 2>&1

python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site "$wheels"/*.whl || exit 2
export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
export KERAS_BACKEND=${KERAS_BACKEND:-jax} PYTHONUNBUFFERED=1
# From the results folder, not the checkout: there the checkout's advisor/ folder would
# shadow the installed package, whose reports, rules and probes the wheel puts inside it.
cd "$results"

# Every module the analysis imports, so a missing one is named before anything trains.
python3 - <<'EOF' || exit 2
import importlib
missing = []
for name in ("keras", "keras_tuner", "rule_engine", "statsforecast", "statsmodels",
             "sklearn", "scipy", "pandas", "matplotlib", "jinja2", "rich", "typer",
             "tensorboard", "platformdirs", "advisor.api"):
    try:
        importlib.import_module(name)
    except Exception as exc:  # noqa: BLE001 - each failure is reported, then the run stops
        missing.append(f"{name}: {exc}")
import keras
print("keras", keras.__version__, "backend", keras.backend.backend())
if keras.backend.backend() == "jax":
    import jax
    print("jax devices:", jax.devices())
if missing:
    print("cannot import:", *missing, sep="\n  ")
    raise SystemExit(1)
EOF
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv

if [ "${GPU_CHECK_SMALL:-0}" = 1 ]; then
    sweep=(--windows 2000 --lookback 24 --batch 32 --epochs 2 --repeats 1)
    large=(--rows 20000 --budget 1m)
else
    sweep=(--windows 100000 --lookback 64 --batch 256 --epochs 3 --repeats 2)
    large=(--rows 1000000 --budget 150s)
fi

echo "== fused sweep: ${sweep[*]}"
timeout 200 python3 "$root/benchmarks/fused_sweep.py" "${sweep[@]}" --form auto \
    || echo "fused sweep: exit $? (124 is its time limit)"

echo "== fused sweep under torch: ${sweep[*]} --repeats 1 --widest-only"
KERAS_BACKEND=torch timeout 80 python3 "$root/benchmarks/fused_sweep.py" "${sweep[@]}" \
    --repeats 1 --widest-only --form auto \
    || echo "fused sweep under torch: exit $? (124 is its time limit)"

echo "== fused sweep in bfloat16: ${sweep[*]} --repeats 1 --widest-only"
timeout 70 python3 "$root/benchmarks/fused_sweep.py" "${sweep[@]}" --repeats 1 --widest-only \
    --form auto --precision bfloat16 \
    || echo "fused sweep in bfloat16: exit $? (124 is its time limit)"

echo "== advisor analyze on a large series: ${large[*]}"
timeout 200 python3 "$root/benchmarks/large_series.py" "${large[@]}" --out large-series \
    || echo "large series: exit $? (124 is its time limit)"
cp large-series/analyze.log analyze.log 2>/dev/null
cp large-series/summary.json large-summary.json 2>/dev/null
rm -f large-series/minutes.csv
