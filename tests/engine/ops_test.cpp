// The table-driven op test: every op on every available backend.
//  - forward: float64 CPU against an independent reference (plain loops over host values)
//    where the row has one, float32 CPU against float64 CPU, CUDA against CPU;
//  - gradient: autograd against central finite differences in float64 (relative error
//    < 1e-6), on CPU and (against the CPU gradient) on CUDA;
//  - views: the same row on non-contiguous inputs gives the same values.
#include <cmath>
#include <functional>

#include "test_support.h"

using namespace msq;

namespace {

using Fn = std::function<Tensor(const std::vector<Tensor>&)>;
using Reference = std::function<std::vector<double>(const std::vector<std::vector<double>>&)>;

struct Domain {
  double lo = -2, hi = 2;
};

struct OpRow {
  const char* name;
  std::vector<Shape> shapes;
  Fn fn;
  std::vector<Domain> domains = {};  // per input; default [-2, 2]
  Reference reference = nullptr;     // expected float64 output values, row-major
  bool differentiable = true;
  double f32_rtol = 2e-5;            // float32 vs float64
};

// Random float64 inputs, seeded per row.
std::vector<Tensor> make_inputs(const OpRow& row, uint64_t seed) {
  manual_seed(seed);
  std::vector<Tensor> xs;
  for (size_t i = 0; i < row.shapes.size(); ++i) {
    Domain d = i < row.domains.size() ? row.domains[i] : Domain{};
    xs.push_back(uniform(row.shapes[i], d.lo, d.hi, DType::Float64));
  }
  return xs;
}

std::vector<std::vector<double>> host_values(const std::vector<Tensor>& xs) {
  std::vector<std::vector<double>> v;
  for (const Tensor& x : xs) v.push_back(x.to_vector<double>());
  return v;
}

// Same values, non-contiguous layout: every other element of a twice-as-wide buffer.
Tensor non_contiguous(const Tensor& t) {
  if (t.dim() == 0) return t;
  Shape wide = t.shape();
  wide.back() *= 2;
  Tensor buffer = zeros(wide, t.options());
  Tensor view = buffer.slice(-1, 0, wide.back(), 2);
  view.copy_(t);
  return view;
}

// A scalar from any output: the sum of output * fixed random weights.
Tensor projected(const Fn& fn, const std::vector<Tensor>& xs) {
  Tensor y = fn(xs);
  manual_seed(99);
  Tensor w = uniform(y.shape(), 0.5, 1.5, y.options());
  return sum(mul(y, w));
}

std::vector<double> unary_ref(const std::vector<std::vector<double>>& in, double (*f)(double)) {
  std::vector<double> out;
  for (double v : in[0]) out.push_back(f(v));
  return out;
}

// Broadcast reference for binary ops: expected[i] for the broadcast shape, computed by
// index arithmetic on the host.
Reference binary_ref(Shape sa, Shape sb, std::function<double(double, double)> f) {
  return [=](const std::vector<std::vector<double>>& in) {
    Shape out = broadcast_shapes(sa, sb, "test");
    size_t n = out.size();
    auto pad = [&](Shape s) {
      while (s.size() < n) s.insert(s.begin(), 1);
      return s;
    };
    Shape pa = pad(sa), pb = pad(sb);
    Shape ca = contiguous_strides(pa), cb = contiguous_strides(pb);
    std::vector<double> res(static_cast<size_t>(shape_numel(out)));
    for (int64_t i = 0; i < shape_numel(out); ++i) {
      int64_t rem = i, ia = 0, ib = 0;
      for (size_t d = n; d-- > 0;) {
        int64_t idx = rem % out[d];
        rem /= out[d];
        if (pa[d] != 1) ia += idx * ca[d];
        if (pb[d] != 1) ib += idx * cb[d];
      }
      res[i] = f(in[0][ia], in[1][ib]);
    }
    return res;
  };
}

std::vector<double> matmul_ref(const std::vector<double>& a, const std::vector<double>& b,
                               int64_t batch, int64_t m, int64_t k, int64_t n, bool a_batched,
                               bool b_batched) {
  std::vector<double> c(static_cast<size_t>(batch * m * n), 0.0);
  for (int64_t p = 0; p < batch; ++p) {
    const double* ap = a.data() + (a_batched ? p * m * k : 0);
    const double* bp = b.data() + (b_batched ? p * k * n : 0);
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t q = 0; q < k; ++q) s += ap[i * k + q] * bp[q * n + j];
        c[p * m * n + i * n + j] = s;
      }
    }
  }
  return c;
}

std::vector<double> log_softmax_rows(const std::vector<double>& x, int64_t rows, int64_t cols) {
  std::vector<double> out(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    double mx = -1e300, s = 0;
    for (int64_t c = 0; c < cols; ++c) mx = std::max(mx, x[r * cols + c]);
    for (int64_t c = 0; c < cols; ++c) s += std::exp(x[r * cols + c] - mx);
    for (int64_t c = 0; c < cols; ++c) out[r * cols + c] = x[r * cols + c] - mx - std::log(s);
  }
  return out;
}

Tensor targets() { return from_vector<int64_t>({1, 0, 3, 2, 1}, {5}); }

std::vector<OpRow> op_table() {
  const Domain positive{0.2, 2.5};
  std::vector<OpRow> rows = {
      // ---- unary -------------------------------------------------------------------------
      {"neg", {{3, 4}}, [](auto& x) { return neg(x[0]); }, {}, [](auto& in) { return unary_ref(in, [](double v) { return -v; }); }},
      {"exp", {{3, 4}}, [](auto& x) { return exp(x[0]); }, {}, [](auto& in) { return unary_ref(in, [](double v) { return std::exp(v); }); }},
      {"log", {{3, 4}}, [](auto& x) { return log(x[0]); }, {positive}, [](auto& in) { return unary_ref(in, [](double v) { return std::log(v); }); }},
      {"sqrt", {{3, 4}}, [](auto& x) { return sqrt(x[0]); }, {positive}, [](auto& in) { return unary_ref(in, [](double v) { return std::sqrt(v); }); }},
      {"abs", {{3, 4}}, [](auto& x) { return abs(x[0]); }, {}, [](auto& in) { return unary_ref(in, [](double v) { return std::fabs(v); }); }},
      {"relu", {{3, 4}}, [](auto& x) { return relu(x[0]); }, {}, [](auto& in) { return unary_ref(in, [](double v) { return v > 0 ? v : 0.0; }); }},
      {"sigmoid", {{3, 4}}, [](auto& x) { return sigmoid(x[0]); }, {{-6, 6}}, [](auto& in) { return unary_ref(in, [](double v) { return 1 / (1 + std::exp(-v)); }); }},
      {"tanh", {{3, 4}}, [](auto& x) { return tanh(x[0]); }, {}, [](auto& in) { return unary_ref(in, [](double v) { return std::tanh(v); }); }},
      {"silu", {{3, 4}}, [](auto& x) { return silu(x[0]); }, {{-5, 5}}, [](auto& in) { return unary_ref(in, [](double v) { return v / (1 + std::exp(-v)); }); }},
      {"hardsigmoid", {{3, 4}}, [](auto& x) { return hardsigmoid(x[0]); }, {{-5, 5}}, [](auto& in) { return unary_ref(in, [](double v) { return std::min(1.0, std::max(0.0, v / 6 + 0.5)); }); }},
      {"square", {{3, 4}}, [](auto& x) { return square(x[0]); }, {}, [](auto& in) { return unary_ref(in, [](double v) { return v * v; }); }},
      {"reciprocal", {{3, 4}}, [](auto& x) { return reciprocal(x[0]); }, {positive}, [](auto& in) { return unary_ref(in, [](double v) { return 1 / v; }); }},
      {"clamp", {{4, 5}}, [](auto& x) { return clamp(x[0], -0.5, 0.7); }, {}, [](auto& in) { return unary_ref(in, [](double v) { return std::min(0.7, std::max(-0.5, v)); }); }},
      {"clamp_min", {{4, 5}}, [](auto& x) { return clamp_min(x[0], 0.1); }, {}, [](auto& in) { return unary_ref(in, [](double v) { return std::max(0.1, v); }); }},
      {"pow_scalar", {{3, 4}}, [](auto& x) { return pow(x[0], 3.0); }, {}, [](auto& in) { return unary_ref(in, [](double v) { return v * v * v; }); }},
      {"pow_scalar_frac", {{3, 4}}, [](auto& x) { return pow(x[0], 0.5); }, {positive}, [](auto& in) { return unary_ref(in, [](double v) { return std::sqrt(v); }); }},
      // ---- binary, broadcasting, scalars ----------------------------------------------------
      {"add", {{3, 4}, {3, 4}}, [](auto& x) { return add(x[0], x[1]); }, {}, binary_ref({3, 4}, {3, 4}, [](double a, double b) { return a + b; })},
      {"add_broadcast", {{3, 1}, {1, 4}}, [](auto& x) { return add(x[0], x[1]); }, {}, binary_ref({3, 1}, {1, 4}, [](double a, double b) { return a + b; })},
      {"sub_broadcast", {{2, 3, 4}, {4}}, [](auto& x) { return sub(x[0], x[1]); }, {}, binary_ref({2, 3, 4}, {4}, [](double a, double b) { return a - b; })},
      {"mul_broadcast", {{2, 1, 4}, {3, 1}}, [](auto& x) { return mul(x[0], x[1]); }, {}, binary_ref({2, 1, 4}, {3, 1}, [](double a, double b) { return a * b; })},
      {"div", {{2, 3}, {2, 1}}, [](auto& x) { return div(x[0], x[1]); }, {{}, positive}, binary_ref({2, 3}, {2, 1}, [](double a, double b) { return a / b; })},
      {"pow", {{3, 4}, {3, 4}}, [](auto& x) { return pow(x[0], x[1]); }, {positive, {}}, binary_ref({3, 4}, {3, 4}, [](double a, double b) { return std::pow(a, b); })},
      {"maximum", {{3, 4}, {4}}, [](auto& x) { return maximum(x[0], x[1]); }, {}, binary_ref({3, 4}, {4}, [](double a, double b) { return std::max(a, b); })},
      {"minimum", {{3, 4}, {3, 1}}, [](auto& x) { return minimum(x[0], x[1]); }, {}, binary_ref({3, 4}, {3, 1}, [](double a, double b) { return std::min(a, b); })},
      {"add_scalar", {{3, 4}}, [](auto& x) { return x[0] + 1.5; }, {}, [](auto& in) { return unary_ref(in, [](double v) { return v + 1.5; }); }},
      {"rsub_scalar", {{3, 4}}, [](auto& x) { return 2.0 - x[0]; }, {}, [](auto& in) { return unary_ref(in, [](double v) { return 2.0 - v; }); }},
      {"rdiv_scalar", {{3, 4}}, [](auto& x) { return 2.0 / x[0]; }, {positive}, [](auto& in) { return unary_ref(in, [](double v) { return 2.0 / v; }); }},
      {"mul_scalar", {{3, 4}}, [](auto& x) { return x[0] * -3.0; }, {}, [](auto& in) { return unary_ref(in, [](double v) { return -3.0 * v; }); }},
      {"where", {{3, 4}, {3, 4}, {4}}, [](auto& x) { return where(gt(x[0], 0.0), x[1], x[2]); }, {}, [](auto& in) {
         std::vector<double> out;
         for (size_t i = 0; i < in[0].size(); ++i) out.push_back(in[0][i] > 0 ? in[1][i] : in[2][i % 4]);
         return out; }},
      // ---- reductions -------------------------------------------------------------------------
      {"sum_all", {{3, 4, 5}}, [](auto& x) { return sum(x[0]); }, {}, [](auto& in) {
         double s = 0; for (double v : in[0]) s += v; return std::vector<double>{s}; }},
      {"sum_dims_keepdim", {{3, 4, 5}}, [](auto& x) { return sum(x[0], {0, 2}, true); }, {}, [](auto& in) {
         std::vector<double> out(4, 0.0);
         for (int i = 0; i < 3; ++i) for (int j = 0; j < 4; ++j) for (int k = 0; k < 5; ++k) out[j] += in[0][(i * 4 + j) * 5 + k];
         return out; }},
      {"mean_dim", {{3, 4, 5}}, [](auto& x) { return mean(x[0], {1}); }, {}, [](auto& in) {
         std::vector<double> out(15, 0.0);
         for (int i = 0; i < 3; ++i) for (int j = 0; j < 4; ++j) for (int k = 0; k < 5; ++k) out[i * 5 + k] += in[0][(i * 4 + j) * 5 + k] / 4;
         return out; }},
      {"max_dim", {{3, 6}}, [](auto& x) { return max(x[0], {1}); }, {}, [](auto& in) {
         std::vector<double> out(3, -1e300);
         for (int i = 0; i < 3; ++i) for (int j = 0; j < 6; ++j) out[i] = std::max(out[i], in[0][i * 6 + j]);
         return out; }},
      {"min_all", {{4, 5}}, [](auto& x) { return min(x[0]); }, {}, [](auto& in) {
         double m = 1e300; for (double v : in[0]) m = std::min(m, v); return std::vector<double>{m}; }},
      {"var_dim", {{3, 7}}, [](auto& x) { return var(x[0], {1}); }, {}, [](auto& in) {
         std::vector<double> out;
         for (int i = 0; i < 3; ++i) {
           double m = 0, s = 0;
           for (int j = 0; j < 7; ++j) m += in[0][i * 7 + j] / 7;
           for (int j = 0; j < 7; ++j) s += (in[0][i * 7 + j] - m) * (in[0][i * 7 + j] - m);
           out.push_back(s / 6);
         }
         return out; }},
      {"argmax_dim", {{4, 6}}, [](auto& x) { return argmax(x[0], 1).to(DType::Float64); }, {}, [](auto& in) {
         std::vector<double> out;
         for (int i = 0; i < 4; ++i) {
           int best = 0;
           for (int j = 1; j < 6; ++j) if (in[0][i * 6 + j] > in[0][i * 6 + best]) best = j;
           out.push_back(best);
         }
         return out; }, false},
      // ---- linear algebra -------------------------------------------------------------------
      {"matmul_2d", {{3, 4}, {4, 5}}, [](auto& x) { return matmul(x[0], x[1]); }, {}, [](auto& in) { return matmul_ref(in[0], in[1], 1, 3, 4, 5, false, false); }},
      {"matmul_broadcast", {{2, 3, 4}, {4, 5}}, [](auto& x) { return matmul(x[0], x[1]); }, {}, [](auto& in) { return matmul_ref(in[0], in[1], 2, 3, 4, 5, true, false); }},
      {"matmul_transposed", {{4, 3}, {5, 4}}, [](auto& x) { return matmul(x[0].t(), x[1].t()); }, {}, nullptr},
      {"matmul_vec", {{4}, {4, 5}}, [](auto& x) { return matmul(x[0], x[1]); }, {}, [](auto& in) { return matmul_ref(in[0], in[1], 1, 1, 4, 5, false, false); }},
      {"matmul_dot", {{6}, {6}}, [](auto& x) { return matmul(x[0], x[1]); }, {}, [](auto& in) { return matmul_ref(in[0], in[1], 1, 1, 6, 1, false, false); }},
      {"bmm", {{2, 3, 4}, {2, 4, 5}}, [](auto& x) { return bmm(x[0], x[1]); }, {}, [](auto& in) { return matmul_ref(in[0], in[1], 2, 3, 4, 5, true, true); }},
      {"linear_bias", {{5, 4}, {3, 4}, {3}}, [](auto& x) { return linear(x[0], x[1], x[2]); }, {}, [](auto& in) {
         std::vector<double> out;
         for (int i = 0; i < 5; ++i) for (int o = 0; o < 3; ++o) {
           double s = in[2][o];
           for (int k = 0; k < 4; ++k) s += in[0][i * 4 + k] * in[1][o * 4 + k];
           out.push_back(s);
         }
         return out; }},
      {"linear_3d_nobias", {{2, 3, 4}, {5, 4}}, [](auto& x) { return linear(x[0], x[1]); }, {}, nullptr},
      // ---- softmax and losses -----------------------------------------------------------------
      {"softmax", {{4, 5}}, [](auto& x) { return softmax(x[0], 1); }, {}, [](auto& in) {
         std::vector<double> l = log_softmax_rows(in[0], 4, 5);
         for (double& v : l) v = std::exp(v);
         return l; }},
      {"log_softmax", {{4, 5}}, [](auto& x) { return log_softmax(x[0], -1); }, {}, [](auto& in) { return log_softmax_rows(in[0], 4, 5); }},
      {"softmax_dim0", {{3, 4, 2}}, [](auto& x) { return softmax(x[0], 0); }, {}, nullptr},
      {"cross_entropy", {{5, 4}}, [](auto& x) { return cross_entropy(x[0], targets().to(x[0].device())); }, {}, [](auto& in) {
         std::vector<double> l = log_softmax_rows(in[0], 5, 4);
         int64_t t[5] = {1, 0, 3, 2, 1};
         double s = 0;
         for (int i = 0; i < 5; ++i) s -= l[i * 4 + t[i]];
         return std::vector<double>{s / 5}; }},
      {"cross_entropy_weighted_smoothed", {{5, 4}}, [](auto& x) {
         CrossEntropyOptions o;
         o.weight = from_vector<double>({0.5, 1.0, 2.0, 1.5}, {4}, x[0].options());
         o.label_smoothing = 0.1;
         return cross_entropy(x[0], targets().to(x[0].device()), o); }, {}, [](auto& in) {
         // PyTorch: ((1-e) sum_i w_ti nll_i + e/C sum_i sum_c w_c (-logp_ic)) / sum_i w_ti
         std::vector<double> l = log_softmax_rows(in[0], 5, 4);
         double w[4] = {0.5, 1.0, 2.0, 1.5}, e = 0.1, num = 0, den = 0;
         int64_t t[5] = {1, 0, 3, 2, 1};
         for (int i = 0; i < 5; ++i) {
           double smooth = 0;
           for (int c = 0; c < 4; ++c) smooth -= w[c] * l[i * 4 + c];
           num += (1 - e) * (-w[t[i]] * l[i * 4 + t[i]]) + e / 4 * smooth;
           den += w[t[i]];
         }
         return std::vector<double>{num / den}; }},
      {"nll_loss_sum", {{5, 4}}, [](auto& x) {
         CrossEntropyOptions o;
         o.reduction = Reduction::Sum;
         return nll_loss(log_softmax(x[0], 1), targets().to(x[0].device()), o); }, {}, nullptr},
      {"mse_loss", {{3, 4}, {3, 4}}, [](auto& x) { return mse_loss(x[0], x[1]); }, {}, [](auto& in) {
         double s = 0;
         for (size_t i = 0; i < in[0].size(); ++i) s += (in[0][i] - in[1][i]) * (in[0][i] - in[1][i]);
         return std::vector<double>{s / 12}; }},
      {"dropout_train", {{6, 7}}, [](auto& x) { manual_seed(5); return dropout(x[0], 0.3, true); }, {}, nullptr},
      {"l2_penalty", {{3, 4}, {5}}, [](auto& x) { return l2_penalty({x[0], x[1]}, 0.01); }, {}, [](auto& in) {
         double s = 0;
         for (auto& v : in) for (double e : v) s += e * e;
         return std::vector<double>{0.01 * s}; }},
      // ---- shapes and views ---------------------------------------------------------------
      {"cat", {{2, 3}, {2, 2}}, [](auto& x) { return cat({x[0], x[1]}, 1); }, {}, [](auto& in) {
         std::vector<double> out;
         for (int i = 0; i < 2; ++i) {
           for (int j = 0; j < 3; ++j) out.push_back(in[0][i * 3 + j]);
           for (int j = 0; j < 2; ++j) out.push_back(in[1][i * 2 + j]);
         }
         return out; }},
      {"stack", {{2, 3}, {2, 3}}, [](auto& x) { return stack({x[0], x[1]}, 1); }, {}, [](auto& in) {
         std::vector<double> out;
         for (int i = 0; i < 2; ++i) for (int s = 0; s < 2; ++s) for (int j = 0; j < 3; ++j) out.push_back(in[s][i * 3 + j]);
         return out; }},
      {"split_chunk", {{5, 4}}, [](auto& x) {
         auto parts = split(x[0], 2, 0);
         return add(sum(add(mul(parts[0], 2.0), parts[1])), sum(parts[2])); }, {}, nullptr},
      {"permute_contiguous", {{2, 3, 4}}, [](auto& x) { return x[0].permute({2, 0, 1}).contiguous(); }, {}, [](auto& in) {
         std::vector<double> out;
         for (int k = 0; k < 4; ++k) for (int i = 0; i < 2; ++i) for (int j = 0; j < 3; ++j) out.push_back(in[0][(i * 3 + j) * 4 + k]);
         return out; }},
      {"transpose_reshape", {{3, 4}}, [](auto& x) { return x[0].t().reshape({2, 6}); }, {}, [](auto& in) {
         std::vector<double> out;
         for (int j = 0; j < 4; ++j) for (int i = 0; i < 3; ++i) out.push_back(in[0][i * 4 + j]);
         return out; }},
      {"narrow_slice_select", {{4, 6}}, [](auto& x) {
         return add(x[0].narrow(0, 1, 2).slice(1, 0, 6, 2), x[0].select(1, 5).unsqueeze(1).narrow(0, 0, 2)); }, {}, [](auto& in) {
         std::vector<double> out;
         for (int i = 0; i < 2; ++i) for (int j = 0; j < 3; ++j) out.push_back(in[0][(i + 1) * 6 + 2 * j] + in[0][i * 6 + 5]);
         return out; }},
      {"expand_flatten", {{3, 1}}, [](auto& x) { return x[0].expand({2, 3, 4}).flatten(1).squeeze(); }, {}, [](auto& in) {
         std::vector<double> out;
         for (int b = 0; b < 2; ++b) for (int i = 0; i < 3; ++i) for (int j = 0; j < 4; ++j) out.push_back(in[0][i]);
         return out; }},
      // float32 rounding defeats finite differences here; to()'s gradient is tested in autograd_test.
      {"clone_to_dtype", {{3, 4}}, [](auto& x) { return x[0].clone().to(DType::Float32).to(DType::Float64); }, {}, nullptr, false, 1e-6},
  };
  return rows;
}

}  // namespace

TEST_CASE("op table: forward against references, float32 against float64") {
  uint64_t seed = 1000;
  for (const OpRow& row : op_table()) {
    std::string name = row.name;
    CAPTURE(name);
    std::vector<Tensor> xs = make_inputs(row, seed++);
    Tensor y64 = row.fn(xs);
    if (row.reference) {
      std::vector<double> expected = row.reference(host_values(xs));
      REQUIRE(static_cast<int64_t>(expected.size()) == y64.numel());
      test::check_close(y64, from_vector<double>(expected, y64.shape()), 1e-12, 1e-12,
                        std::string(row.name) + " float64 vs reference");
    }
    std::vector<Tensor> xs32;
    for (const Tensor& x : xs) xs32.push_back(x.to(DType::Float32));
    Tensor y32 = row.fn(xs32);
    test::check_close(y32, y64, row.f32_rtol, row.f32_rtol, std::string(row.name) + " float32");
  }
}

TEST_CASE("op table: non-contiguous inputs give the same values") {
  uint64_t seed = 2000;
  for (const OpRow& row : op_table()) {
    std::string name = row.name;
    CAPTURE(name);
    std::vector<Tensor> xs = make_inputs(row, seed++);
    std::vector<Tensor> strided;
    for (const Tensor& x : xs) {
      strided.push_back(non_contiguous(x));
      if (x.dim() > 0 && x.numel() > 1) CHECK_FALSE(strided.back().is_contiguous());
    }
    test::check_close(row.fn(strided), row.fn(xs), 1e-12, 1e-12, row.name);
  }
}

TEST_CASE("op table: gradients against central finite differences (float64)") {
  uint64_t seed = 3000;
  for (const OpRow& row : op_table()) {
    if (!row.differentiable) continue;
    std::string name = row.name;
    CAPTURE(name);
    std::vector<Tensor> xs = make_inputs(row, seed++);
    auto f = [&](const std::vector<Tensor>& in) { return projected(row.fn, in); };
    std::vector<Tensor> analytic = test::autograd_gradients(f, xs);
    std::vector<Tensor> numeric = test::numeric_gradients(f, xs, 1e-6);
    for (size_t i = 0; i < xs.size(); ++i) {
      double err = test::max_relative_error(analytic[i], numeric[i], 1e-3);
      CHECK_MESSAGE(err < 1e-6, row.name << " input " << i << ": relative error " << err);
    }
  }
}

TEST_CASE("op table: CUDA against CPU, forward and gradients") {
  if (!test::require_cuda()) return;
  uint64_t seed = 4000;
  for (const OpRow& row : op_table()) {
    std::string name = row.name;
    CAPTURE(name);
    for (DType dtype : {DType::Float32, DType::Float64}) {
      std::vector<Tensor> xs = make_inputs(row, seed++);
      std::vector<Tensor> cpu_in, cuda_in;
      for (const Tensor& x : xs) {
        cpu_in.push_back(x.to(dtype));
        cuda_in.push_back(x.to(dtype).to(Device::cuda()));
      }
      double tol = dtype == DType::Float32 ? 1e-5 : 1e-11;
      test::check_close(row.fn(cuda_in), row.fn(cpu_in), tol, tol, std::string(row.name) + " forward");
      if (!row.differentiable) continue;
      auto f = [&](const std::vector<Tensor>& in) { return projected(row.fn, in); };
      std::vector<Tensor> g_cpu = test::autograd_gradients(f, cpu_in);
      std::vector<Tensor> g_cuda = test::autograd_gradients(f, cuda_in);
      for (size_t i = 0; i < xs.size(); ++i) {
        test::check_close(g_cuda[i], g_cpu[i], tol * 10, tol * 10, std::string(row.name) + " gradient");
      }
    }
  }
}
