#!/bin/sh
# The Dockerfile's build steps, kept in one script so that tests/deploy/test_image_install.py
# exercises exactly what the image build runs (there is no Docker engine in CI).
#
#   build.sh wheelhouse SRC_DIR WHEELHOUSE   wheels of logwarden and of every dependency
#   build.sh install WHEELHOUSE VENV          a virtual environment with logwarden, from the wheelhouse only
#
# PYTHON picks the interpreter (default python3); extra pip options come from PIP_* variables
# (the image sets PIP_NO_CACHE_DIR=1; the test sets PIP_NO_COMPILE=1 to save time: byte-compiling changes
# nothing it checks, and it lets pip reuse its cache of the packages .ci/run already downloaded).
set -eu
PYTHON=${PYTHON:-python3}
step=${1:?usage: build.sh wheelhouse SRC WHEELHOUSE | install WHEELHOUSE VENV}
case "$step" in
  wheelhouse)
    src=${2:?source dir}; wheelhouse=${3:?wheelhouse dir}
    "$PYTHON" -m pip wheel --wheel-dir "$wheelhouse" "$src"
    ;;
  install)
    wheelhouse=${2:?wheelhouse dir}; venv=${3:?venv dir}
    "$PYTHON" -m venv "$venv"
    # --no-index: only what the wheelhouse holds, so the image has exactly the dependencies built above.
    "$venv/bin/pip" install --no-index --find-links "$wheelhouse" logwarden
    "$venv/bin/logwarden" --version
    ;;
  *)
    echo "unknown step: $step" >&2; exit 2
    ;;
esac
