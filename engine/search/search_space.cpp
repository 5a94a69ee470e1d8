#include "engine/search/search_space.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/core/error.h"

namespace msq::search {

using nlohmann::json;

namespace {

ParamSpec parse_param(const std::string& name, const json& j, const std::string& origin) {
  auto where = [&] { return "'" + origin + "': parameter '" + name + "'"; };
  check(j.is_object(), "search-space", where(), " must be an object");
  ParamSpec p;
  p.name = name;
  const std::string type = j.value("type", "");
  for (auto it = j.begin(); it != j.end(); ++it) {
    static const char* known[] = {"type", "low", "high", "log", "step", "choices", "models"};
    check(std::find(std::begin(known), std::end(known), it.key()) != std::end(known), "search-space", where(),
          ": unknown key '", it.key(), "'");
  }
  if (type == "float" || type == "int") {
    p.kind = type == "float" ? ParamKind::Float : ParamKind::Int;
    check(j.contains("low") && j.contains("high") && j["low"].is_number() && j["high"].is_number(), "search-space",
          where(), ": needs numbers 'low' and 'high'");
    p.low = j["low"].get<double>();
    p.high = j["high"].get<double>();
    p.log = j.value("log", false);
    p.step = j.value("step", 1.0);
    check(p.low <= p.high, "search-space", where(), ": low ", p.low, " > high ", p.high);
    check(!p.log || p.low > 0, "search-space", where(), ": a log parameter needs low > 0");
    check(p.step > 0, "search-space", where(), ": step must be > 0");
    check(p.kind == ParamKind::Float || (p.low == std::round(p.low) && p.high == std::round(p.high)), "search-space",
          where(), ": int bounds must be integers");
  } else if (type == "categorical") {
    p.kind = ParamKind::Categorical;
    check(j.contains("choices") && j["choices"].is_array() && !j["choices"].empty(), "search-space", where(),
          ": needs a non-empty 'choices' array");
    for (const json& c : j["choices"]) p.choices.push_back(c.dump());
  } else {
    fail("search-space", where(), ": type must be float, int or categorical, got '", type, "'");
  }
  if (j.contains("models")) {
    const json& m = j["models"];
    if (m.is_string()) {
      p.models = m.get<std::string>();
      check(p.models == "all" || p.models == "hybrid" || p.models == "classical", "search-space", where(),
            ": models must be \"all\", \"hybrid\", \"classical\" or a list of names");
    } else {
      check(m.is_array(), "search-space", where(), ": models must be a string or a list");
      std::string list;
      for (const json& n : m) list += (list.empty() ? "" : ",") + n.get<std::string>();
      p.models = list;
    }
  }
  return p;
}

bool applies(const ParamSpec& p, const std::string& model, bool hybrid) {
  if (p.models == "all") return true;
  if (p.models == "hybrid") return hybrid;
  if (p.models == "classical") return !hybrid;
  std::string list = "," + p.models + ",";
  return list.find("," + model + ",") != std::string::npos;
}

}  // namespace

SearchSpace SearchSpace::from_json(const std::string& text, const std::string& origin) {
  json j;
  try {
    j = json::parse(text);
  } catch (const std::exception& e) {
    fail("search-space", "'", origin, "' is not valid JSON: ", e.what());
  }
  check(j.is_object() && j.contains("parameters") && j["parameters"].is_object(), "search-space", "'", origin,
        "' must be an object with a \"parameters\" object");
  for (auto it = j.begin(); it != j.end(); ++it)
    check(it.key() == "parameters" || it.key() == "fixed", "search-space", "'", origin, "': unknown key '", it.key(),
          "' (expected parameters, fixed)");
  SearchSpace s;
  for (auto it = j["parameters"].begin(); it != j["parameters"].end(); ++it)
    s.params.push_back(parse_param(it.key(), it.value(), origin));
  if (j.contains("fixed")) {
    check(j["fixed"].is_object(), "search-space", "'", origin, "': fixed must be an object");
    s.fixed_json = j["fixed"].dump();
  }
  return s;
}

std::string SearchSpace::to_json() const {
  json out = json::object();
  for (const ParamSpec& p : params) {
    json j;
    if (p.kind == ParamKind::Categorical) {
      j["type"] = "categorical";
      j["choices"] = json::array();
      for (const std::string& c : p.choices) j["choices"].push_back(json::parse(c));
    } else {
      j["type"] = p.kind == ParamKind::Float ? "float" : "int";
      j["low"] = p.low;
      j["high"] = p.high;
      if (p.log) j["log"] = true;
      if (p.kind == ParamKind::Int && p.step != 1) j["step"] = p.step;
    }
    if (p.models != "all") j["models"] = p.models;
    out[p.name] = j;
  }
  return json{{"parameters", out}, {"fixed", json::parse(fixed_json)}}.dump();
}

SearchSpace SearchSpace::for_model(const std::string& model, bool hybrid) const {
  SearchSpace s;
  s.fixed_json = fixed_json;
  for (const ParamSpec& p : params)
    if (applies(p, model, hybrid)) s.params.push_back(p);
  return s;
}

const ParamSpec* SearchSpace::find(const std::string& name) const {
  for (const ParamSpec& p : params)
    if (p.name == name) return &p;
  return nullptr;
}

std::string default_search_space_json() {
  return R"({
  "parameters": {
    "lr": {"type": "float", "low": 1e-5, "high": 3e-3, "log": true},
    "n_dense": {"type": "int", "low": 1, "high": 3},
    "units": {"type": "categorical", "choices": [64, 128, 256, 512]},
    "dropout": {"type": "float", "low": 0.0, "high": 0.5},
    "l2": {"type": "float", "low": 1e-6, "high": 1e-3, "log": true},
    "batch_size": {"type": "categorical", "choices": [16, 32]},
    "n_qubits": {"type": "int", "low": 2, "high": 8, "models": "hybrid"},
    "n_layers": {"type": "int", "low": 1, "high": 4, "models": "hybrid"}
  }
})";
}

double to_internal(const ParamSpec& p, double value) { return p.log ? std::log(value) : value; }

double from_internal(const ParamSpec& p, double internal) { return p.log ? std::exp(internal) : internal; }

void internal_range(const ParamSpec& p, double& low, double& high) {
  if (p.kind == ParamKind::Int && !p.log) {
    low = p.low - 0.5 * p.step;
    high = p.high + 0.5 * p.step;
  } else if (p.kind == ParamKind::Int) {
    low = std::log(p.low - 0.5);
    high = std::log(p.high + 0.5);
  } else {
    low = to_internal(p, p.low);
    high = to_internal(p, p.high);
  }
}

double snap_to_grid(const ParamSpec& p, double value) {
  if (p.kind != ParamKind::Int) return std::clamp(value, p.low, p.high);
  double v = p.log ? std::round(value) : p.low + std::round((value - p.low) / p.step) * p.step;
  return std::clamp(v, p.low, p.high);
}

std::string params_json(const SearchSpace& space, const ParamValues& values) {
  json j = json::object();
  for (const auto& [name, v] : values) {
    const ParamSpec* p = space.find(name);
    check(p != nullptr, "search", "parameter '", name, "' is not in the search space");
    if (p->kind == ParamKind::Categorical) j[name] = json::parse(p->choices.at(static_cast<size_t>(v)));
    else if (p->kind == ParamKind::Int) j[name] = static_cast<int64_t>(std::llround(v));
    else j[name] = v;
  }
  return j.dump();
}

ParamValues params_from_json(const SearchSpace& space, const std::string& text) {
  json j = json::parse(text);
  ParamValues out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const ParamSpec* p = space.find(it.key());
    check(p != nullptr, "search", "parameter '", it.key(), "' is not in the search space");
    if (p->kind == ParamKind::Categorical) {
      auto c = std::find(p->choices.begin(), p->choices.end(), it.value().dump());
      check(c != p->choices.end(), "search", "parameter '", it.key(), "': ", it.value().dump(), " is not a choice");
      out[it.key()] = static_cast<double>(c - p->choices.begin());
    } else {
      check(it.value().is_number(), "search", "parameter '", it.key(), "' must be a number");
      out[it.key()] = it.value().get<double>();
    }
  }
  return out;
}

}  // namespace msq::search
