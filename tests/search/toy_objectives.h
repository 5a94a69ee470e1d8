// Toy objectives shared by the sampler tests and tools/search/optuna_reference.py (the
// same formulas in Python): each takes the search space's values and returns a loss to
// minimise, 0 at the optimum.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "engine/search/search_space.h"

namespace msq::test {

struct ToyObjective {
  std::string name;
  std::string space_json;
  double (*f)(const search::ParamValues&);
};

inline double toy_sphere(const search::ParamValues& v) {
  return std::pow(v.at("x") - 1.0, 2) + std::pow(v.at("y") + 2.0, 2) + std::pow(v.at("z") - 0.5, 2);
}

// A learning-rate-like log parameter, an int, a categorical and a float.
inline double toy_mixed(const search::ParamValues& v) {
  const double lr_term = std::pow(std::log10(v.at("lr")) + 3.3, 2);
  const double units_term = std::pow(v.at("units") - 6.0, 2) / 10.0;
  const double act = v.at("act") == 2 ? 0.0 : 0.5;  // index of the choice "c"
  return lr_term + units_term + act + std::pow(v.at("dropout") - 0.25, 2);
}

// Branin, shifted so its minimum is 0 (0.397887 at three points).
inline double toy_branin(const search::ParamValues& v) {
  const double x = v.at("x"), y = v.at("y");
  const double a = 1, b = 5.1 / (4 * M_PI * M_PI), c = 5 / M_PI, r = 6, s = 10, t = 1 / (8 * M_PI);
  return a * std::pow(y - b * x * x + c * x - r, 2) + s * (1 - t) * std::cos(x) + s - 0.397887357729738;
}

inline std::vector<ToyObjective> toy_objectives() {
  return {
      {"sphere",
       R"({"parameters": {"x": {"type": "float", "low": -5, "high": 5}, "y": {"type": "float", "low": -5, "high": 5},
           "z": {"type": "float", "low": -5, "high": 5}}})",
       toy_sphere},
      {"mixed",
       R"({"parameters": {"lr": {"type": "float", "low": 1e-6, "high": 1e-1, "log": true},
           "units": {"type": "int", "low": 1, "high": 16}, "act": {"type": "categorical", "choices": ["a", "b", "c", "d"]},
           "dropout": {"type": "float", "low": 0, "high": 0.8}}})",
       toy_mixed},
      {"branin",
       R"({"parameters": {"x": {"type": "float", "low": -5, "high": 10}, "y": {"type": "float", "low": 0, "high": 15}}})",
       toy_branin},
  };
}

}  // namespace msq::test
