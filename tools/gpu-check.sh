#!/usr/bin/env bash
# The GPU check: run from the repository root on the GPU machine, on binaries built
# elsewhere (the GPU machine has the driver, cmake/ctest and PyTorch, but no nvcc; nothing is
# rebuilt here).
#
# Build the carried folder on the nvcc machine first:
#     tools/gpu-pack.sh        # builds build-gpu-full/ (-DMSQ_WITH_CUDA=ON, Release) and
#                              # packs build-gpu/msq-gpu.tar.xz (~10 MB)
# then carry build-gpu/ and run:
#     tools/gpu-check.sh       # well under 8 minutes
# (A plain `cmake -S . -B build-gpu -DMSQ_WITH_CUDA=ON` tree works too when it can travel:
# its tests/*_test and bench/gpu_ops_bench are run in place.)
#
# Sections: device info, every test executable (the CUDA test compares every op with the
# CPU), the GPU benchmarks, the same workloads in PyTorch, the statevector benchmarks (msq
# and PyTorch, bench/gpu_statevector_bench.cpp); a failing section is reported and
# the rest still run. Last comes a table: workload, msq ms, torch ms, msq / torch.
# Exit status: 0 when every section passed, 1 otherwise. Logs stay in a temp folder (and are
# copied to $OUT when set). Needs a driver for CUDA 13 (>= 580): with an older one every CUDA
# case skips, which this check reports as a failure.
# Knobs the binaries read: MSQ_DISABLE_CUBLAS=1 (fallback GEMM kernel), MSQ_DISABLE_CUDNN=1
# (im2col + GEMM convolution), MSQ_CUDA_TF32=0, MSQ_CUDA_DETERMINISTIC=1, MSQ_CUDA_SYNC=1
# (synchronise after each kernel to locate a device-side error).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/msq-gpu-check.XXXXXX")
declare -a summary=()
failed=0
note() { summary+=("$1"); }
section() { printf '\n==== %s ====\n' "$1"; }
# Every step's time limit is cut to what is left of the whole check's budget (420 s), so the
# check ends well under 8 minutes however slow a step is; a step cut short reports a failure.
budget=${MSQ_GPU_CHECK_BUDGET:-420}
cap() { local left=$((budget - SECONDS)); [ "$left" -lt 5 ] && left=5; [ "$1" -lt "$left" ] && echo "$1" || echo "$left"; }

# ---- the binaries -------------------------------------------------------------------------
section "binaries"
bin="" lib=""
if [ -f build-gpu/msq-gpu.tar.xz ]; then
  mkdir -p "$work/pack"
  python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' \
    build-gpu/msq-gpu.tar.xz "$work/pack"
  bin="$work/pack/bin" lib="$work/pack/lib"
  echo "pack of commit $(cat "$work/pack/COMMIT" 2>/dev/null), $(cat "$work/pack/NVCC" 2>/dev/null)"
elif [ -d build-gpu/tests ]; then
  mkdir -p "$work/bin"
  for exe in build-gpu/tests/*_test build-gpu/bench/gpu_ops_bench build-gpu/bench/gpu_models_bench \
      build-gpu/bench/gpu_statevector_bench; do
    [ -x "$exe" ] && ln -s "$root/$exe" "$work/bin/"
  done
  bin="$work/bin"
else
  echo "no build-gpu/msq-gpu.tar.xz and no build-gpu/tests: build with tools/gpu-pack.sh first"
  note "binaries: MISSING"
  failed=1
fi
ls "${bin:-/nonexistent}" 2>/dev/null | tr '\n' ' '; echo

# cuBLAS: msq opens libcublas.so.13/.so.12 at run time; PyTorch's wheels carry one (and
# cuDNN, for the backends that will link it).
torch_libs=$(python3 - <<'EOF' 2>/dev/null || true
import glob, os
dirs = set()
try:
    import nvidia
    for base in list(nvidia.__path__):
        for pattern in ("libcublas.so*", "libcudnn.so*"):
            for f in glob.glob(os.path.join(base, "**", pattern), recursive=True):
                dirs.add(os.path.dirname(f))
except Exception:
    pass
try:
    import importlib.util
    spec = importlib.util.find_spec("torch")
    d = os.path.join(os.path.dirname(spec.origin), "lib")
    if glob.glob(os.path.join(d, "libcublas*.so*")):
        dirs.add(d)
except Exception:
    pass
print(":".join(sorted(dirs)))
EOF
)
export LD_LIBRARY_PATH="${lib:+$lib:}${torch_libs:+$torch_libs:}${LD_LIBRARY_PATH:-}"
echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"

section "device"
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
else
  echo "nvidia-smi not found"
fi

# ---- tests --------------------------------------------------------------------------------
section "tests"
if [ -n "$bin" ]; then
  test_fail=0 test_skip=0 test_pass=0
  # The CUDA tests first; no new test starts after 150 s (the whole check stays < 8 min).
  cuda_first="$bin/cuda_backend_test $bin/cuda_conv_ops_test $bin/cuda_backbones_test $bin/cuda_statevector_test $bin/cuda_step_graph_test $bin/cuda_graph_training_test"
  for exe in $cuda_first $(ls "$bin"/*_test | grep -v -e /cuda_backend_test -e /cuda_conv_ops_test -e /cuda_backbones_test -e /cuda_statevector_test -e /cuda_step_graph_test -e /cuda_graph_training_test); do
    [ -e "$exe" ] || continue
    name=$(basename "$exe")
    if [ "$SECONDS" -gt 150 ]; then
      echo "$name: NOT RUN (time budget)"
      test_fail=$((test_fail + 1))
      continue
    fi
    set +e
    timeout "$(cap 120)" "$exe" >"$work/$name.log" 2>&1
    rc=$?
    set -e
    case $rc in
      0) status=passed; test_pass=$((test_pass + 1)) ;;
      77) status="SKIPPED ($(grep -m1 SKIPPED "$work/$name.log" || true))"; test_skip=$((test_skip + 1)) ;;
      124) status="TIMED OUT"; test_fail=$((test_fail + 1)) ;;
      *) status="FAILED (exit $rc)"; test_fail=$((test_fail + 1)) ;;
    esac
    echo "$name: $status"
    if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
      grep -E "ERROR|error|FAILED|differs|exception" "$work/$name.log" | head -40 || true
      tail -5 "$work/$name.log"
      if grep -q "\[cuda" "$work/$name.log"; then
        # A CUDA error: once more, synchronising after every kernel to name the culprit.
        echo "-- $name again with MSQ_CUDA_SYNC=1:"
        MSQ_CUDA_SYNC=1 timeout "$(cap 60)" "$exe" 2>&1 | grep -m5 "\[cuda" || true
      fi
    fi
  done
  grep -h -m1 "GEMM through" "$work/cuda_backend_test.log" 2>/dev/null || true
  # The fallback GEMM kernel (used where no cuBLAS can be opened) on the matmul cases.
  if [ -x "$bin/cuda_backend_test" ]; then
    set +e
    MSQ_DISABLE_CUBLAS=1 timeout "$(cap 60)" "$bin/cuda_backend_test" --test-case='*matmul*' \
      >"$work/cuda_backend_test_fallback_gemm.log" 2>&1
    rc=$?
    set -e
    if [ "$rc" = 0 ]; then
      echo "cuda_backend_test (fallback GEMM, matmul cases): passed"
    elif [ "$rc" = 77 ]; then
      echo "cuda_backend_test (fallback GEMM, matmul cases): skipped"
    else
      echo "cuda_backend_test (fallback GEMM, matmul cases): FAILED (exit $rc)"
      grep -E "ERROR|differs|exception" "$work/cuda_backend_test_fallback_gemm.log" | head -20 || true
      test_fail=$((test_fail + 1))
    fi
  fi
  # The convolution test again on msq's own im2col + GEMM path (cuDNN switched off).
  if [ -x "$bin/cuda_conv_ops_test" ]; then
    set +e
    MSQ_DISABLE_CUDNN=1 timeout "$(cap 90)" "$bin/cuda_conv_ops_test" >"$work/cuda_conv_ops_test_im2col.log" 2>&1
    rc=$?
    set -e
    if [ "$rc" = 0 ]; then
      echo "cuda_conv_ops_test (im2col + GEMM convolution, cuDNN off): passed"
    elif [ "$rc" = 77 ]; then
      echo "cuda_conv_ops_test (im2col + GEMM convolution, cuDNN off): skipped"
    else
      echo "cuda_conv_ops_test (im2col + GEMM convolution, cuDNN off): FAILED (exit $rc)"
      grep -E "ERROR|error|exception" "$work/cuda_conv_ops_test_im2col.log" | head -20 || true
      test_fail=$((test_fail + 1))
    fi
  fi
  grep -h -m1 "convolution through" "$work/cuda_conv_ops_test.log" 2>/dev/null || true
  # The CUDA test skipping means the binaries could not use the GPU (driver too old for
  # CUDA 13, no device): that is a failure of this check, not a pass.
  if grep -q SKIPPED "$work/cuda_backend_test.log" 2>/dev/null; then
    echo "cuda_backend_test skipped: $(grep -m1 SKIPPED "$work/cuda_backend_test.log")"
    test_fail=$((test_fail + 1))
  fi
  if [ "$test_fail" = 0 ]; then
    note "tests: ok ($test_pass passed, $test_skip skipped)"
  else
    note "tests: FAILED ($test_fail failing, $test_pass passed, $test_skip skipped)"
    failed=1
  fi
fi

# ---- msq GPU benchmarks -------------------------------------------------------------------
section "msq GPU benchmarks"
msq_json="$work/msq_bench.json"
if [ -n "$bin" ] && [ -x "$bin/gpu_ops_bench" ]; then
  set +e
  timeout "$(cap 75)" "$bin/gpu_ops_bench" --benchmark_out="$msq_json" --benchmark_out_format=json \
    >"$work/msq_bench.log" 2>&1
  rc=$?
  set -e
  # The medians (of 15 single runs each); the whole output on failure.
  grep -E "_median|ERROR" "$work/msq_bench.log" | sort -u | head -20 || true
  [ "$rc" = 0 ] || tail -20 "$work/msq_bench.log"
  if [ "$rc" = 0 ] && ! grep -q '"error_occurred": true' "$msq_json" 2>/dev/null; then
    note "msq benchmarks: ok"
  else
    note "msq benchmarks: FAILED (exit $rc)"
    failed=1
  fi
else
  note "msq benchmarks: MISSING"
  failed=1
fi

# ---- PyTorch, same workloads --------------------------------------------------------------
section "PyTorch GPU benchmarks"
table="$work/table.txt"
torch_args=(--runs 15)
[ -s "$msq_json" ] && torch_args+=(--msq-json "$msq_json")
set +e
timeout "$(cap 75)" python3 tools/bench/torch_gpu_ops_bench.py "${torch_args[@]}" >"$work/torch.txt" 2>&1
rc=$?
set -e
# Per-workload lines here; the comparison table (after the blank line) goes last.
sed '/^$/,$d' "$work/torch.txt"
sed -n '/^$/,$p' "$work/torch.txt" | sed '1d' >"$table"
if [ "$rc" = 0 ]; then
  note "torch benchmarks: ok"
else
  note "torch benchmarks: FAILED (exit $rc)"
  failed=1
fi

# ---- whole networks: msq, then PyTorch ------------------------------------------------------
section "GPU model benchmarks (train B32 / inference B64, 224x224)"
models_json="$work/msq_models.json"
models_table="$work/models_table.txt"
if [ -n "$bin" ] && [ -x "$bin/gpu_models_bench" ]; then
  set +e
  # --unfused: one more row per model (TF32 training without the fused BN/bias + activation
  # kernels), to see what fusion gains on this card; --graph: one more (TF32 training with
  # the step captured in a CUDA graph and replayed, "train tf32 graph").
  timeout "$(cap 200)" "$bin/gpu_models_bench" --steps 10 --warmup 2 --unfused --graph --json "$models_json" >"$work/msq_models.log" 2>&1
  rc=$?
  set -e
  cat "$work/msq_models.log"
  if [ "$rc" = 0 ]; then note "msq model benchmarks: ok"; else note "msq model benchmarks: FAILED (exit $rc)"; failed=1; fi
else
  note "msq model benchmarks: MISSING"
  failed=1
fi
models_args=(--steps 10 --warmup 2)
[ -s "$models_json" ] && models_args+=(--msq-json "$models_json")
set +e
timeout "$(cap 120)" python3 tools/bench/torch_gpu_models_bench.py "${models_args[@]}" >"$work/torch_models.txt" 2>&1
rc=$?
set -e
sed '/^$/,$d' "$work/torch_models.txt"
sed -n '/^$/,$p' "$work/torch_models.txt" | sed '1d' >"$models_table"
case $rc in
  0) note "torch model benchmarks: ok" ;;
  77) note "torch model benchmarks: skipped ($(grep -m1 SKIPPED "$work/torch_models.txt" || true))" ;;
  *) note "torch model benchmarks: FAILED (exit $rc)"; failed=1 ;;
esac

# ---- statevector benchmarks (msq, then PyTorch on the same workloads) ---------------------------
section "statevector benchmarks"
sv_json="$work/sv_bench.json"
sv_table="$work/sv_table.txt"
if [ -n "$bin" ] && [ -x "$bin/gpu_statevector_bench" ]; then
  set +e
  timeout "$(cap 90)" "$bin/gpu_statevector_bench" --json "$sv_json" >"$work/sv_bench.log" 2>&1
  rc=$?
  set -e
  cat "$work/sv_bench.log"
  if [ "$rc" = 0 ] && [ -s "$sv_json" ]; then
    note "statevector benchmarks: ok"
  else
    note "statevector benchmarks: FAILED (exit $rc)"
    failed=1
  fi
  set +e
  sv_args=(--runs 15)
  [ -s "$sv_json" ] && sv_args+=(--msq-json "$sv_json")
  timeout "$(cap 150)" python3 tools/bench/torch_statevector_bench.py "${sv_args[@]}" >"$work/sv_torch.txt" 2>&1
  rc=$?
  set -e
  sed '/^$/,$d' "$work/sv_torch.txt"
  sed -n '/^$/,$p' "$work/sv_torch.txt" | sed '1d' >"$sv_table"
  [ "$rc" = 0 ] && note "torch statevector benchmarks: ok" || { note "torch statevector benchmarks: FAILED (exit $rc)"; failed=1; }
else
  note "statevector benchmarks: MISSING"
  failed=1
fi

# ---- summary, then the table ----------------------------------------------------------------
section "summary"
printf '%s\n' "${summary[@]}"
echo "logs: $work ($SECONDS s)"
# On the device machine, $OUT comes back: leave the logs there.
if [ -n "${OUT:-}" ] && [ -d "$OUT" ]; then
  cp "$work"/*.log "$work"/*.json "$work"/*.txt "$OUT"/ 2>/dev/null || true
fi
if [ -s "$table" ]; then
  echo
  cat "$table"
fi
if [ -s "$models_table" ]; then
  echo
  cat "$models_table"
fi
if [ -s "$sv_table" ]; then
  echo
  cat "$sv_table"
fi
exit "$failed"
