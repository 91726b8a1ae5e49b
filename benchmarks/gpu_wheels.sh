#!/usr/bin/env bash
# The wheels a GPU machine without TensorFlow and without a package index needs to run the
# advisor under KERAS_BACKEND=jax (or torch): the advisor's own wheel and the dependencies
# such a machine commonly lacks. Everything else it imports (numpy, pandas, scipy,
# statsmodels, scikit-learn, matplotlib, jinja2, rich, typer, tensorboard, pyarrow, numba)
# is expected there already; benchmarks/gpu_check.sh says which import fails where not.
#
#   bash benchmarks/gpu_wheels.sh [FOLDER] [PYTHON_VERSION]     # default: .whl 3.12
#
# Run where pip reaches a package index; then take FOLDER and the checkout to the GPU
# machine and run benchmarks/gpu_check.sh there.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:-.whl}
py=${2:-3.12}
mkdir -p "$dest"
# Versions as the advisor is tested with; --no-deps because each one's own needs are either
# in this list or expected on the machine.
pkgs=(
    keras==3.15.1 keras-tuner==1.4.8 kt-legacy==1.0.5 namex==0.1.0 optree==0.20.0
    rule-engine==5.1.0 platformdirs==4.14.9
    statsforecast==2.1.1 coreforecast==0.0.20 utilsforecast==0.2.17
    fugue==0.9.7 triad==1.0.4 adagio==0.2.6
)
platforms=()
for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 \
    manylinux2014_x86_64 manylinux1_x86_64; do
    platforms+=(--platform "$p")
done
python3 -m pip download -q --no-deps --only-binary=:all: --python-version "$py" \
    --implementation cp "${platforms[@]}" -d "$dest" "${pkgs[@]}"
python3 -m pip wheel -q --no-deps -w "$dest" .
ls "$dest"
du -sh "$dest"
