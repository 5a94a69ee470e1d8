// The hyper-parameters a search explores, read from JSON:
//
//   {"parameters": {
//      "lr":       {"type": "float", "low": 1e-5, "high": 1e-2, "log": true},
//      "dropout":  {"type": "float", "low": 0.0, "high": 0.5},
//      "n_dense":  {"type": "int", "low": 1, "high": 3},
//      "units":    {"type": "int", "low": 32, "high": 512, "log": true},
//      "batch_size": {"type": "categorical", "choices": [16, 32, 64]},
//      "n_qubits": {"type": "int", "low": 2, "high": 8, "models": "hybrid"}},
//    "fixed": {"epochs": 20, "patience": 5}}
//
// - "float": uniform in [low, high], or log-uniform with "log": true (low > 0).
// - "int": integers low..high with an optional "step" (default 1), or log-spaced with "log".
// - "categorical": one of "choices" (numbers, strings or booleans).
// - "models" (optional): "hybrid", "classical", or a list of model names; the parameter
//   applies only to those models (for_model drops it for the others).
// - "fixed" (optional): options set for every trial (any msq-train config key).
// A parameter's name is an msq-train config key (lr, l2, batch_size, optimizer, ...) or,
// otherwise, a key of the model options (n_dense, units, dropout, n_qubits, n_layers, ...).
//
// Values inside the search: ParamValues maps a name to a number, the value itself for
// float and int parameters and the index of the choice for categorical ones; params_json
// turns them into the JSON values a config takes.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace msq::search {

enum class ParamKind { Float, Int, Categorical };

struct ParamSpec {
  std::string name;
  ParamKind kind = ParamKind::Float;
  double low = 0, high = 1;
  bool log = false;
  double step = 1;                   // int only
  std::vector<std::string> choices;  // categorical only: each choice as JSON text
  std::string models = "all";        // "all", "hybrid", "classical", or "a,b,c"
};

using ParamValues = std::map<std::string, double>;

struct SearchSpace {
  std::vector<ParamSpec> params;  // sorted by name
  std::string fixed_json = "{}";  // a JSON object

  // Errors name the origin and the parameter.
  static SearchSpace from_json(const std::string& text, const std::string& origin);
  std::string to_json() const;
  // The parameters that apply to a model (hybrid: a q* model of the study).
  SearchSpace for_model(const std::string& model, bool hybrid) const;
  const ParamSpec* find(const std::string& name) const;
};

// The study's space (the default of --search): learning rate, dense layers, units,
// dropout, L2 lambda, batch size, and for hybrids n_qubits and n_layers.
std::string default_search_space_json();

// {"name": value, ...} with the categorical choices' own JSON values.
std::string params_json(const SearchSpace& space, const ParamValues& values);
// The inverse: a choice is found by its JSON text; numbers are checked against the range.
ParamValues params_from_json(const SearchSpace& space, const std::string& json_text);

// The number of a value in the sampler's own coordinates: log for log parameters.
double to_internal(const ParamSpec& p, double value);
double from_internal(const ParamSpec& p, double internal);
// The internal range of a numeric parameter (ints widened by half a step on each side).
void internal_range(const ParamSpec& p, double& low, double& high);
// Rounds an int parameter's value to its grid (log ints: to the nearest integer).
double snap_to_grid(const ParamSpec& p, double value);

}  // namespace msq::search
