// engine/stats against SciPy and statsmodels (tools/reference/stats_reference.py, run with
// the tools venv's python, .venv-tools). Skips when they are absent.
#include <array>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "engine/io/atomic_file.h"
#include "engine/stats/stats.h"
#include "python_tools.h"
#include "test_support.h"

using namespace msq;
using namespace msq::stats;
using nlohmann::json;

TEST_CASE("McNemar, quantiles, bootstrap intervals and tail probabilities match SciPy / statsmodels") {
  const std::string python = test::tools_venv_python();
  if (!test::python_has(python, "scipy, statsmodels")) {
    test::skip("SciPy / statsmodels are not available: make .venv-tools with tools/requirements-tools.txt");
    return;
  }
  std::mt19937_64 rng(99);
  json in;
  std::vector<std::pair<int64_t, int64_t>> tables = {{0, 1}, {1, 0}, {3, 3}, {2, 8}, {150, 86}, {0, 40}, {17, 30}};
  for (int i = 0; i < 20; ++i) tables.push_back({static_cast<int64_t>(rng() % 60), static_cast<int64_t>(1 + rng() % 60)});
  for (auto [b, c] : tables) in["mcnemar"].push_back({b, c});
  std::vector<std::vector<double>> samples;
  std::lognormal_distribution<double> ln(0, 0.7);
  for (int i = 0; i < 4; ++i) {
    std::vector<double> x(20 + 30 * i);
    for (double& v : x) v = ln(rng);
    samples.push_back(x);
    in["quantiles"].push_back({{"values", x}, {"q", {0.0, 0.025, 0.3, 0.5, 0.975, 1.0}}});
    in["bootstrap"].push_back({{"x", x}, {"replicates", 20000}, {"confidence", 0.95}});
  }
  std::vector<std::array<double, 3>> binomial = {{0, 5, 0.5}, {3, 10, 0.5}, {20, 100, 0.3}, {200, 500, 0.5}, {7, 7, 0.2}};
  for (auto& b : binomial) in["binomial"].push_back({b[0], b[1], b[2]});
  std::vector<double> chi2 = {0.0, 0.5, 3.841458820694124, 10.0, 40.0};
  std::vector<double> normal = {-3.0, -0.5, 0.0, 1.959963984540054, 6.0};
  in["chi2"] = chi2;
  in["normal"] = normal;

  const std::string dir = test::scratch_dir("stats-ref");
  write_file_atomic(dir + "/in.json", in.dump());
  REQUIRE(std::system((python + " tools/reference/stats_reference.py '" + dir + "/in.json' '" + dir + "/out.json'").c_str()) == 0);
  json out = json::parse(read_file(dir + "/out.json"));

  for (size_t i = 0; i < tables.size(); ++i) {
    auto [b, c] = tables[i];
    CAPTURE(b);
    CAPTURE(c);
    const json& ref = out["mcnemar"][i];
    McNemarResult e = mcnemar_exact(b, c), x = mcnemar_chi2(b, c), u = mcnemar_chi2(b, c, false);
    CHECK(e.statistic == ref["exact"][0].get<double>());
    CHECK(e.p_value == doctest::Approx(ref["exact"][1].get<double>()).epsilon(1e-10));
    CHECK(x.statistic == doctest::Approx(ref["chi2"][0].get<double>()).epsilon(1e-12));
    CHECK(x.p_value == doctest::Approx(ref["chi2"][1].get<double>()).epsilon(1e-10));
    CHECK(u.p_value == doctest::Approx(ref["chi2_uncorrected"][1].get<double>()).epsilon(1e-10));
  }
  for (size_t i = 0; i < samples.size(); ++i) {
    const std::vector<double> qs = {0.0, 0.025, 0.3, 0.5, 0.975, 1.0};
    for (size_t k = 0; k < qs.size(); ++k)
      CHECK(quantile(samples[i], qs[k]) == doctest::Approx(out["quantiles"][i][k].get<double>()).epsilon(1e-12));
    // Different random streams: the intervals agree to within Monte Carlo error.
    Interval ours = bootstrap_mean_interval(samples[i], 20000, 0.95, 17);
    const double lo = out["bootstrap"][i][0].get<double>(), hi = out["bootstrap"][i][1].get<double>();
    const double tol = 0.05 * (hi - lo);
    CHECK(std::fabs(ours.low - lo) < tol);
    CHECK(std::fabs(ours.high - hi) < tol);
  }
  for (size_t i = 0; i < binomial.size(); ++i)
    CHECK(binomial_cdf(static_cast<int64_t>(binomial[i][0]), static_cast<int64_t>(binomial[i][1]), binomial[i][2]) ==
          doctest::Approx(out["binomial"][i].get<double>()).epsilon(1e-10));
  for (size_t i = 0; i < chi2.size(); ++i) CHECK(chi2_1_sf(chi2[i]) == doctest::Approx(out["chi2"][i].get<double>()).epsilon(1e-10));
  for (size_t i = 0; i < normal.size(); ++i) CHECK(normal_sf(normal[i]) == doctest::Approx(out["normal"][i].get<double>()).epsilon(1e-10));
}
