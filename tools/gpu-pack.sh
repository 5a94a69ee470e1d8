#!/usr/bin/env bash
# Builds the CUDA binaries here (nvcc machine) and packs them into build-gpu/, the folder
# that travels to the GPU machine, where tools/gpu-check.sh runs them without rebuilding.
#
#   tools/gpu-pack.sh                    # full build in build-gpu-full/, pack into build-gpu/
#   BUILD=build-cuda JOBS=4 tools/gpu-pack.sh   # reuse an existing Release CUDA build tree
#
# Why a pack: every executable links OpenBLAS statically (~26 MB of code, for machines
# without OpenBLAS) plus the CUDA kernels (~5 MB), so a plain build tree is several hundred
# MB, far over what may be carried (64 MiB). The pack holds the stripped test executables and
# GPU benchmark in one xz tarball (the shared OpenBLAS code compresses away: ~10 MB), plus the
# few shared libraries a bare Ubuntu may lack (Google Benchmark, libgomp).
# cuBLAS and cuDNN are not packed (0.5 GB and 1 GB): msq opens libcublas.so.13 (or .so.12) and
# libcudnn.so.9 at run time, which gpu-check.sh finds in PyTorch's nvidia wheels; without them
# GEMM and convolution use msq's own kernels.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-2}
full=${BUILD:-build-gpu-full}
cmake -S . -B "$full" -DMSQ_WITH_CUDA=ON -DCMAKE_BUILD_TYPE=Release -DMSQ_BUILD_BENCH=ON >/dev/null
cmake --build "$full" -j"$jobs"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib"
for exe in "$full"/tests/*_test "$full"/bench/gpu_ops_bench "$full"/bench/gpu_models_bench \
    "$full"/bench/gpu_statevector_bench; do
  [ -x "$exe" ] || continue
  cp "$exe" "$stage/bin/"
  strip "$stage/bin/$(basename "$exe")"
done
# Shared libraries the executables need beyond glibc/libstdc++ (resolved here).
for exe in "$stage"/bin/*; do
  ldd "$exe" | awk '/=> \// {print $3}'
done | sort -u | while read -r lib; do
  case "$(basename "$lib")" in
    libbenchmark*|libgomp*|libgfortran*|libquadmath*|libopenblas*) cp -L "$lib" "$stage/lib/" ;;
  esac
done
git rev-parse HEAD > "$stage/COMMIT" 2>/dev/null || echo unknown > "$stage/COMMIT"
nvcc --version | tail -1 > "$stage/NVCC" 2>/dev/null || true

rm -rf build-gpu
mkdir -p build-gpu
tar -C "$stage" -cf - . | xz -6 -T"$jobs" > build-gpu/msq-gpu.tar.xz
du -sh build-gpu
echo "packed: $(tar -tJf build-gpu/msq-gpu.tar.xz | grep -c '^./bin/.') executables; carry build-gpu"
