// msq-circuit: reads a circuit, inputs and weights as JSON (a file or stdin), prints JSON with
// the expectation values and the Jacobians by adjoint, parameter-shift and finite
// differences. The schema is in tools/msq-circuit/README.md.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

#include "tools/msq-circuit/circuit_json.h"

using namespace msq::quantum;
using json_io::json;

int main(int argc, char** argv) {
  CLI::App app{"Simulate a circuit given as JSON; print expectation values and gradients."};
  std::string path = "-";
  std::string precision;
  std::vector<std::string> methods;
  double fd_step = 0.0;
  int indent = 2;
  app.add_option("file", path, "circuit JSON (- for stdin)");
  app.add_option("--precision", precision, "complex64 or complex128 (overrides the file)");
  app.add_option("--methods", methods, "gradient methods: adjoint parameter-shift finite-diff")
      ->delimiter(',');
  app.add_option("--fd-step", fd_step, "finite-difference step (default by precision)");
  app.add_option("--indent", indent, "JSON indentation (-1: one line)");
  CLI11_PARSE(app, argc, argv);

  try {
    json in;
    if (path == "-") {
      std::cin >> in;
    } else {
      std::ifstream f(path);
      if (!f) {
        std::cerr << "msq-circuit: cannot open " << path << "\n";
        return 2;
      }
      f >> in;
    }
    const Circuit c = json_io::circuit_from_json(in);
    const Batch b = json_io::batch_from_json(c, in);
    if (precision.empty()) precision = in.value("precision", std::string("complex64"));
    SimOptions o;
    if (precision == "complex128") {
      o.precision = Precision::Complex128;
    } else if (precision != "complex64") {
      std::cerr << "msq-circuit: precision must be complex64 or complex128\n";
      return 2;
    }
    if (methods.empty())
      methods = in.value("methods", std::vector<std::string>{"adjoint", "parameter-shift",
                                                             "finite-diff"});
    const int64_t B = b.size, K = c.n_observables();
    json out;
    out["wires"] = c.n_wires();
    out["batch"] = B;
    out["precision"] = precision;
    out["n_inputs"] = c.n_inputs();
    out["n_weights"] = c.n_weights();
    const std::vector<double> e = expectation_values(c, b, o);
    json ev = json::array();
    for (int64_t s = 0; s < B; ++s)
      ev.push_back(std::vector<double>(e.begin() + s * K, e.begin() + (s + 1) * K));
    out["expval"] = ev;
    json grads = json::object();
    for (const std::string& name : methods) {
      const DiffMethod m = diff_method_from_name(name);
      GradRequest req;
      req.fd_step = in.value("fd_step", fd_step);
      json g;
      if (m == DiffMethod::ParameterShift && c.embedding()) {
        req.inputs = false;  // amplitude embedding has no shift rule
        g["inputs"] = nullptr;
        g["note"] = "amplitude-embedding inputs have no shift rule";
      }
      const Jacobian j = jacobian(c, b, m, o, req);
      if (req.inputs) g["inputs"] = json_io::nested(j.inputs, B, K, c.n_inputs());
      g["weights"] = json_io::nested(j.weights, B, K, c.n_weights());
      grads[diff_method_name(m)] = g;
    }
    out["jacobian"] = grads;
    std::cout << out.dump(indent) << "\n";
  } catch (const std::exception& ex) {
    std::cerr << "msq-circuit: " << ex.what() << "\n";
    return 1;
  }
  return 0;
}
