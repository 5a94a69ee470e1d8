// The statevector simulator: runs a Circuit on a batch of samples and measures it.
//
// A batch holds B samples' inputs and one set of weights. States are simulated kLanes
// samples at a time ("tiles", kernels/statevector.h), complex64 by default or complex128,
// with runs of one-qubit gates on a wire fused into one 2x2. Tiles are spread over OpenMP
// threads; a kernel threads inside a state only when the state is large.
//
// Results are double vectors in row-major order, shapes given per function.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/quantum/circuit.h"

namespace msq::quantum {

enum class Precision { Complex64, Complex128 };

struct SimOptions {
  Precision precision = Precision::Complex64;
  bool fuse = true;  // fuse runs of one-qubit gates per wire
  int threads = 0;   // OpenMP threads over the tiles of a batch; 0 = OpenMP's default
  // A batch of one sample with at least this many qubits is simulated in the single-state
  // layout (its lowest qubits in the SIMD lanes, no padding lanes: a 28-qubit complex64 state
  // takes 2 GiB), with threads inside the state; the adjoint method then holds two states.
  int single_state_min_qubits = 12;
  // Single-state layout: apply the gates in passes over memory, each pass gathering chunks
  // of 2^chunk_row_bits rows (0 = 512 KiB) into a buffer and applying many gates there
  // (engine/quantum/pass_plan.h).
  bool cache_blocking = true;
  int chunk_row_bits = 0;
  // Single-state layout: a circuit whose every gate keeps the state real (RY, CNOT, H, X,
  // SWAP, real unitaries) runs on the real amplitudes alone (half the memory traffic), and
  // the complex state is built from them at the end.
  bool fold_real = true;
};

struct Batch {
  int64_t size = 1;
  std::vector<double> inputs;   // [size][circuit.n_inputs()]
  std::vector<double> weights;  // [circuit.n_weights()]
};

// Checks the batch against the circuit: sizes, finite values (NaN is an error).
void check_batch(const Circuit& c, const Batch& batch, const char* op);

// The final states of a batch as the simulator holds them (tiles), kept by a forward run so
// that a later vjp() on the same circuit, batch and options starts from them instead of
// simulating again (the quantum layer does this between forward and backward).
struct FinalStates {
  Precision precision = Precision::Complex64;
  int64_t batch = 0;
  std::vector<float> c64;   // [tiles][2^n][2][kLanes]
  std::vector<double> c128;
};

// [B][K]: <O_k> for each sample and observable. With `keep`, also the final states.
std::vector<double> expectation_values(const Circuit& c, const Batch& batch,
                                       const SimOptions& options = {},
                                       FinalStates* keep = nullptr);
// [B][2^|wires|]: marginal probabilities of the listed wires (wires[0] the most significant
// bit of the outcome index); all wires when `wires` is empty.
std::vector<double> probabilities(const Circuit& c, const Batch& batch,
                                  const std::vector<int>& wires = {},
                                  const SimOptions& options = {});
// [B][shots]: basis-state indices over all wires drawn from the final state's distribution,
// reproducibly for a seed.
std::vector<int64_t> sample(const Circuit& c, const Batch& batch, int64_t shots, uint64_t seed,
                            const SimOptions& options = {});
// [B][K]: the expectation values estimated from `shots` samples per observable, measuring
// each Pauli string in its eigenbasis (Hermitian observables: by their eigen-decomposition).
std::vector<double> shot_expectation_values(const Circuit& c, const Batch& batch, int64_t shots,
                                            uint64_t seed, const SimOptions& options = {});
// [B][2^n]: the final states (for tests and tools).
std::vector<cdouble> final_states(const Circuit& c, const Batch& batch,
                                  const SimOptions& options = {});

}  // namespace msq::quantum
