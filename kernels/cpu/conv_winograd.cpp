// Winograd F(2x2, 3x3) convolutions on the CPU (see conv_winograd.h): the weight, input and
// output transforms, the chunks of tile rows and the 16 GEMMs per chunk.
#include "kernels/cpu/conv_winograd.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels/cpu/conv_direct.h"
#include "kernels/cpu/conv_winograd_chunks.h"
#include "kernels/cpu/gemm_row_panels.h"

namespace msq::cpu {

namespace {

// The transformed weights of output channels [first, first + 8) as one row panel of each U_k
// (gemm_row_panels.h): dst[k * k_stride + c * 8 + r] for output channel first + r and input
// channel c (kernels as transform_weight_row takes them), in 8-float vectors over the panel's
// output channels: each tap of the 8 kernels comes in one AVX2 gather (the kernels are 9 *
// in_c floats apart in w, or 9 when transposed), and each transformed point is stored as 8
// contiguous floats. (Gathering the taps one float at a time took about a fifth of a
// 512-channel 7x7 forward.)
void transform_weight_panel(float* dst, int64_t k_stride, const float* w, int64_t first,
                            int64_t out_c, int64_t in_c, bool transposed) {
  const int step = int(transposed ? 9 : 9 * in_c);  // between the panel's kernels in w
  const __m256i lanes = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                           _mm256_set1_epi32(step));
  const __m256 half = _mm256_set1_ps(0.5f);
  // Transposed, the panel's 72 floats of each c lie out_c * 9 floats apart, too far for the
  // hardware prefetcher: they are fetched kAhead channels ahead.
  constexpr int64_t kAhead = 8;
  for (int64_t c = 0; c < in_c; ++c) {
    const float* src = transposed ? w + (c * out_c + first) * 9 : w + (first * in_c + c) * 9;
    if (transposed && c + kAhead < in_c) {
      const char* next = reinterpret_cast<const char*>(src + kAhead * out_c * 9);
      for (int line = 0; line < 5; ++line) _mm_prefetch(next + 64 * line, _MM_HINT_T0);
    }
    __m256 g[9];
    for (int k = 0; k < 9; ++k) g[k] = _mm256_i32gather_ps(src + (transposed ? 8 - k : k), lanes, 4);
    __m256 t[4][3];  // G g
    for (int j = 0; j < 3; ++j) {
      const __m256 g0 = g[j], g1 = g[3 + j], g2 = g[6 + j], g02 = _mm256_add_ps(g0, g2);
      t[0][j] = g0;
      t[1][j] = _mm256_mul_ps(half, _mm256_add_ps(g02, g1));
      t[2][j] = _mm256_mul_ps(half, _mm256_sub_ps(g02, g1));
      t[3][j] = g2;
    }
    float* d = dst + c * kPanelRows;
    for (int q = 0; q < 4; ++q) {  // (G g) G^T
      const __m256 t02 = _mm256_add_ps(t[q][0], t[q][2]);
      _mm256_storeu_ps(d + (q * 4 + 0) * k_stride, t[q][0]);
      _mm256_storeu_ps(d + (q * 4 + 1) * k_stride, _mm256_mul_ps(half, _mm256_add_ps(t02, t[q][1])));
      _mm256_storeu_ps(d + (q * 4 + 2) * k_stride, _mm256_mul_ps(half, _mm256_sub_ps(t02, t[q][1])));
      _mm256_storeu_ps(d + (q * 4 + 3) * k_stride, t[q][2]);
    }
  }
}

// The transformed weights of output channel o as one row of each U_k [out_c, in_c]:
// dst[k * k_stride + c] = (G g G^T)[k / 4][k % 4] for the 3x3 kernel g of output channel o
// and input channel c: w[o][c] (w: [out_c, in_c, 3, 3]) or, `transposed`, w[c][o] turned by
// 180 degrees (w: [in_c, out_c, 3, 3]: the input gradient's kernels). The kernels are first
// gathered tap-major (g[tap][c]), kStep channels at a time so that they stay in L1, and the
// transform runs over c in vectors. (transform_weight_panel makes 8 rows at once, in panels.)
void transform_weight_row(float* dst, int64_t k_stride, const float* w, int64_t o,
                          int64_t out_c, int64_t in_c, bool transposed) {
  constexpr int64_t kStep = 64;  // 2.3 KB of taps
  thread_local std::vector<float> taps;
  taps.resize(size_t(9 * kStep));
  float* g = taps.data();
  for (int64_t c0 = 0; c0 < in_c; c0 += kStep) {
    const int64_t c1 = std::min(in_c, c0 + kStep), block = c1 - c0;
    for (int64_t c = c0; c < c1; ++c) {
      const float* src = transposed ? w + (c * out_c + o) * 9 : w + (o * in_c + c) * 9;
      for (int k = 0; k < 9; ++k) g[k * block + (c - c0)] = src[transposed ? 8 - k : k];
    }
    float* d = dst + c0;
#pragma omp simd
    for (int64_t i = 0; i < block; ++i) {
      float t[4][3];  // G g
      for (int j = 0; j < 3; ++j) {
        const float g0 = g[j * block + i], g1 = g[(3 + j) * block + i], g2 = g[(6 + j) * block + i];
        t[0][j] = g0;
        t[1][j] = 0.5f * (g0 + g1 + g2);
        t[2][j] = 0.5f * (g0 - g1 + g2);
        t[3][j] = g2;
      }
      for (int q = 0; q < 4; ++q) {  // (G g) G^T
        d[(q * 4 + 0) * k_stride + i] = t[q][0];
        d[(q * 4 + 1) * k_stride + i] = 0.5f * (t[q][0] + t[q][1] + t[q][2]);
        d[(q * 4 + 2) * k_stride + i] = 0.5f * (t[q][0] - t[q][1] + t[q][2]);
        d[(q * 4 + 3) * k_stride + i] = t[q][2];
      }
    }
  }
}

// u: [16][out_c][in_c] (planes plane_stride(out_c * in_c) apart), every U_k, each in row
// panels ([out_c / 8][in_c][8], gemm_row_panels.h; transform_weight_panel) where `panels`,
// else row by row (transform_weight_row).
void transform_weights(float* u, const float* w, int64_t out_c, int64_t in_c, bool transposed,
                       bool panels) {
  const int64_t rows = panels ? kPanelRows : 1, plane = plane_stride(out_c * in_c);
#pragma omp parallel for schedule(static) if (out_c * in_c > 4096)
  for (int64_t first = 0; first < out_c; first += rows) {
    if (panels) transform_weight_panel(u + first * in_c, plane, w, first, out_c, in_c, transposed);
    else transform_weight_row(u + first * in_c, plane, w, first, out_c, in_c, transposed);
  }
}

// v: [16][in_c][n], v[k][c][(r - row0) * tiles_w + t] = (B^T d B)[k / 4][k % 4] for the 4x4
// input block d of channel c under tile t of tile row r (r in [row0, row1) over the batch),
// for the channels [c0, c1).
void transform_input(float* v, int64_t k_step, const float* x, const WinogradShape& s,
                     int64_t row0, int64_t row1, int64_t n, int64_t c0, int64_t c1) {
  const int64_t tw = s.tiles_w(), th = s.tiles_h(), ld = tw + 1;
  // The block's 4 input rows, each split into even and odd columns (of the padded row):
  // tile t reads even[t], odd[t], even[t + 1], odd[t + 1]. The next tile row of the same
  // image reads two of them again (its rows 0 and 1 are this one's 2 and 3).
  thread_local std::vector<float> rows;
  rows.resize(size_t(8 * ld));
  for (int64_t c = c0; c < c1; ++c) {
    float* split[4] = {rows.data(), rows.data() + 2 * ld, rows.data() + 4 * ld,
                       rows.data() + 6 * ld};
    int64_t kept = 0;  // leading rows of split[] already filled
    for (int64_t r = row0; r < row1; ++r) {
      const int64_t b = r / th, tr = r % th;
      const float* xc = x + (b * s.in_c + c) * s.h * s.w;
      for (int64_t i = kept; i < 4; ++i) {
        const int64_t ih = 2 * tr - s.pad_h + i;
        if (ih < 0 || ih >= s.h) std::fill(split[i], split[i] + 2 * ld, 0.0f);
        else split_column_phases(split[i], ld, xc + ih * s.w, s.w, 2, -s.pad_w, ld);
      }
      const float *e0 = split[0], *o0 = e0 + ld, *e1 = split[1], *o1 = e1 + ld;
      const float *e2 = split[2], *o2 = e2 + ld, *e3 = split[3], *o3 = e3 + ld;
      float* out = v + c * n + (r - row0) * tw;
#pragma omp simd
      for (int64_t t = 0; t < tw; ++t) {
        // B^T along each row (over its 4 columns), then along the columns.
        const float a0 = e0[t] - e0[t + 1], a1 = o0[t] + e0[t + 1], a2 = e0[t + 1] - o0[t],
                    a3 = o0[t] - o0[t + 1];
        const float b0 = e1[t] - e1[t + 1], b1 = o1[t] + e1[t + 1], b2 = e1[t + 1] - o1[t],
                    b3 = o1[t] - o1[t + 1];
        const float c0 = e2[t] - e2[t + 1], c1 = o2[t] + e2[t + 1], c2 = e2[t + 1] - o2[t],
                    c3 = o2[t] - o2[t + 1];
        const float d0 = e3[t] - e3[t + 1], d1 = o3[t] + e3[t + 1], d2 = e3[t + 1] - o3[t],
                    d3 = o3[t] - o3[t + 1];
        out[0 * k_step + t] = a0 - c0;
        out[1 * k_step + t] = a1 - c1;
        out[2 * k_step + t] = a2 - c2;
        out[3 * k_step + t] = a3 - c3;
        out[4 * k_step + t] = b0 + c0;
        out[5 * k_step + t] = b1 + c1;
        out[6 * k_step + t] = b2 + c2;
        out[7 * k_step + t] = b3 + c3;
        out[8 * k_step + t] = c0 - b0;
        out[9 * k_step + t] = c1 - b1;
        out[10 * k_step + t] = c2 - b2;
        out[11 * k_step + t] = c3 - b3;
        out[12 * k_step + t] = b0 - d0;
        out[13 * k_step + t] = b1 - d1;
        out[14 * k_step + t] = b2 - d2;
        out[15 * k_step + t] = b3 - d3;
      }
      kept = 0;
      if (tr + 1 < th) {
        std::swap(split[0], split[2]);
        std::swap(split[1], split[3]);
        kept = 2;
      }
    }
  }
}

// The output rows of tile rows [row0, row1) from m: [16][out_c][n] (the GEMMs' output, laid
// out as v): y_tile = A^T m_tile A + bias.
void transform_output(float* y, const float* m, int64_t k_step, const float* bias,
                      const WinogradShape& s, int64_t row0, int64_t row1, int64_t n, int64_t o0,
                      int64_t o1) {
  const int64_t tw = s.tiles_w(), th = s.tiles_h();
  // The tile row's two output rows, even and odd columns apart (merged into y's rows).
  float* const out = tile_row_buffer(tw);
  float *y00 = out, *y01 = out + tw, *y10 = out + 2 * tw, *y11 = out + 3 * tw;
  for (int64_t o = o0; o < o1; ++o) {
    const float bo = bias ? bias[o] : 0.0f;
    for (int64_t r = row0; r < row1; ++r) {
      const int64_t b = r / th, tr = r % th;
      const float* mt = m + o * n + (r - row0) * tw;
#pragma omp simd
      for (int64_t t = 0; t < tw; ++t) {
        float a[4][2];  // m_tile A: each row's 4 values to 2
        for (int i = 0; i < 4; ++i) {
          const float m0 = mt[(i * 4 + 0) * k_step + t], m1 = mt[(i * 4 + 1) * k_step + t];
          const float m2 = mt[(i * 4 + 2) * k_step + t], m3 = mt[(i * 4 + 3) * k_step + t];
          a[i][0] = m0 + m1 + m2;
          a[i][1] = m1 - m2 - m3;
        }
        y00[t] = a[0][0] + a[1][0] + a[2][0] + bo;
        y01[t] = a[0][1] + a[1][1] + a[2][1] + bo;
        y10[t] = a[1][0] - a[2][0] - a[3][0] + bo;
        y11[t] = a[1][1] - a[2][1] - a[3][1] + bo;
      }
      write_output_tile_row(y + (b * s.out_c + o) * s.out_h * s.out_w, out, s, tr);
    }
  }
}

// y from x and the weights w (as transform_weight_row takes them; `transposed` for the
// input gradient), by run_winograd_chunks: every U_k made first, or panel by panel inside
// the GEMMs where streams_weight_panels().
void winograd_conv(float* y, const float* x, const float* w, bool transposed, const float* bias,
                   const WinogradShape& s) {
  const WinogradChunks plan = plan_winograd_chunks(s, 16);
  WinogradWeights weights;
  weights.panels = row_panel_gemm_usable(s.out_c);
  if (streams_weight_panels(plan, weights.panels)) {
    weights.panel = [&](float* dst, int64_t k_stride, int64_t first) {
      transform_weight_panel(dst, k_stride, w, first, s.out_c, s.in_c, transposed);
    };
  } else {
    float* u = scratch<float>(size_t(16 * plane_stride(s.out_c * s.in_c)), 1);
    transform_weights(u, w, s.out_c, s.in_c, transposed, weights.panels);
    weights.u = u;
  }
  run_winograd_chunks(
      s, 16, plan, weights,
      [&](float* v, int64_t plane, int64_t row0, int64_t row1, int64_t n, int64_t c) {
        transform_input(v, plane, x, s, row0, row1, n, c, c + 1);
      },
      [&](const float* m, int64_t plane, int64_t row0, int64_t row1, int64_t n, int64_t o) {
        transform_output(y, m, plane, bias, s, row0, row1, n, o, o + 1);
      });
}

// gyt: [16][out_c][n], gyt[k][o][(r - row0) * tiles_w + t] = (A z A^T)[k / 4][k % 4] for the
// 2x2 block z of gy under tile t of tile row r (zeros past out_h and out_w), A = [A^T]^T:
// what the forward's output transform sends back, for the output channels [o0, o1).
void transform_grad_output(float* gyt, int64_t k_step, const float* gy, const WinogradShape& s,
                           int64_t row0, int64_t row1, int64_t n, int64_t o0, int64_t o1) {
  const int64_t tw = s.tiles_w(), th = s.tiles_h();
  thread_local std::vector<float> rows;  // the tile row's two gy rows, even and odd columns
  rows.resize(size_t(4 * tw));
  float *e0 = rows.data(), *od0 = e0 + tw, *e1 = e0 + 2 * tw, *od1 = e0 + 3 * tw;
  for (int64_t o = o0; o < o1; ++o) {
    for (int64_t r = row0; r < row1; ++r) {
      const int64_t b = r / th, tr = r % th;
      split_grad_output_rows(rows.data(), gy + (b * s.out_c + o) * s.out_h * s.out_w, s, tr);
      float* out = gyt + o * n + (r - row0) * tw;
#pragma omp simd
      for (int64_t t = 0; t < tw; ++t) {
        // A along each row (2 values to 4), then along the columns.
        const float p0 = e0[t], p1 = e0[t] + od0[t], p2 = e0[t] - od0[t], p3 = -od0[t];
        const float q0 = e1[t], q1 = e1[t] + od1[t], q2 = e1[t] - od1[t], q3 = -od1[t];
        out[0 * k_step + t] = p0;
        out[1 * k_step + t] = p1;
        out[2 * k_step + t] = p2;
        out[3 * k_step + t] = p3;
        out[4 * k_step + t] = p0 + q0;
        out[5 * k_step + t] = p1 + q1;
        out[6 * k_step + t] = p2 + q2;
        out[7 * k_step + t] = p3 + q3;
        out[8 * k_step + t] = p0 - q0;
        out[9 * k_step + t] = p1 - q1;
        out[10 * k_step + t] = p2 - q2;
        out[11 * k_step + t] = p3 - q3;
        out[12 * k_step + t] = -q0;
        out[13 * k_step + t] = -q1;
        out[14 * k_step + t] = -q2;
        out[15 * k_step + t] = -q3;
      }
    }
  }
}

// gw[o][c] = G^T W[o][c] G (4x4 to 3x3) from W: [16][out_c][in_c] (planes `plane` floats
// apart); gw: [out_c, in_c, 3, 3].
void weights_from_transformed(float* gw, const float* wt, int64_t plane, int64_t out_c,
                              int64_t in_c) {
#pragma omp parallel for schedule(static) if (out_c * in_c > 4096)
  for (int64_t oc = 0; oc < out_c * in_c; ++oc) {
    float t[3][4];  // G^T W
    for (int j = 0; j < 4; ++j) {
      const float w0 = wt[j * plane + oc], w1 = wt[(4 + j) * plane + oc];
      const float w2 = wt[(8 + j) * plane + oc], w3 = wt[(12 + j) * plane + oc];
      t[0][j] = w0 + 0.5f * (w1 + w2);
      t[1][j] = 0.5f * (w1 - w2);
      t[2][j] = 0.5f * (w1 + w2) + w3;
    }
    float* dst = gw + oc * 9;
    for (int i = 0; i < 3; ++i) {  // (G^T W) G
      dst[i * 3 + 0] = t[i][0] + 0.5f * (t[i][1] + t[i][2]);
      dst[i * 3 + 1] = 0.5f * (t[i][1] - t[i][2]);
      dst[i * 3 + 2] = 0.5f * (t[i][1] + t[i][2]) + t[i][3];
    }
  }
}

// The automatic rule: at least kWinogradMinChannels input and output channels. Measured
// (bench/conv_bench.cpp, one thread, CPU time, 8 images, against the paths of commit
// ed162d1): faster on every 3x3 stride-1 row with >= 32 channels: 32 -> 64 @ 112 forward 35.8
// -> 26.9 ms, 64 @ 56 17.8 -> 11.7, 128 @ 28 17.2 -> 12.7, 256 @ 14 17.3 -> 12.8, 512 @ 7 21.9
// -> 17.9, and the whole backward of each by 15-35 %; between 16 and 32 it is not measured.

}  // namespace

bool winograd_supported(const ConvGeometry& g, const Conv2dParams& p) {
  return g.groups == 1 && g.kh == 3 && g.kw == 3 && p.stride_h == 1 && p.stride_w == 1 &&
         p.dilation_h == 1 && p.dilation_w == 1 && g.out_h > 0 && g.out_w > 0;
}

bool winograd_preferred(const ConvGeometry& g, const Conv2dParams& p) {
  switch (forced_conv_algorithm()) {
    case ConvAlgorithm::fallback:
    case ConvAlgorithm::direct:
    case ConvAlgorithm::channels: return false;
    case ConvAlgorithm::winograd: return winograd_supported(g, p);
    case ConvAlgorithm::automatic: break;
  }
  return winograd_supported(g, p) && g.in_c >= kWinogradMinChannels &&
         g.out_c >= kWinogradMinChannels;
}

bool winograd_backward_input_preferred(const ConvGeometry& g, const Conv2dParams& p) {
  return winograd_preferred(g, p) && p.pad_h <= 2 && p.pad_w <= 2;
}

void winograd_forward(float* y, const float* x, const float* w, const float* bias,
                      const ConvGeometry& g, const Conv2dParams& p) {
  winograd_conv(y, x, w, false, bias, {g.batch, g.in_c, g.h, g.w, g.out_c, g.out_h, g.out_w, p.pad_h, p.pad_w});
}

void winograd_backward_input(float* gx, const float* gy, const float* w, const ConvGeometry& g,
                             const Conv2dParams& p) {
  // gx[c, h, w] = sum_o,i,j gy[o, h + pad - i, w + pad - j] w[o, c, i, j]: a 3x3 stride-1
  // convolution of gy with w[o][c] turned by 180 degrees, padded by 2 - pad.
  winograd_conv(gx, gy, w, true, nullptr,
                {g.batch, g.out_c, g.out_h, g.out_w, g.in_c, g.h, g.w, 2 - p.pad_h, 2 - p.pad_w});
}

namespace {

// The weight gradient of a layer with more output channels than tiles (512 channels on 7x7
// images: 128 tiles against 512 x 512 x 16 transformed weights): V and GY of every tile are
// transformed once, and the threads split the output channels, each computing W_k for blocks
// of kRowBlock of its rows over all the tiles and turning each block back into gw while it is
// in cache. Splitting the tiles instead (winograd_backward_weight's chunks) gives each
// thread a 16 MB partial W to write, sum and read back.
void winograd_backward_weight_by_channels(float* gw, const float* gy, const float* x,
                                          const WinogradShape& s) {
  constexpr int64_t kRowBlock = 64;
  const int64_t n = s.batch * s.tiles_h() * s.tiles_w(), rows = s.batch * s.tiles_h();
  const int64_t v_plane = plane_stride(s.in_c * n), gy_plane = plane_stride(s.out_c * n);
  float* v = scratch<float>(size_t(16 * (v_plane + gy_plane)));
  float* gyt = v + 16 * v_plane;
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < s.in_c; ++c) transform_input(v, v_plane, x, s, 0, rows, n, c, c + 1);
#pragma omp parallel for schedule(static)
  for (int64_t o = 0; o < s.out_c; ++o)
    transform_grad_output(gyt, gy_plane, gy, s, 0, rows, n, o, o + 1);
  SingleThreadedBlas blas;
  const int64_t blocks = ceil_div(s.out_c, kRowBlock);
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t o0 = b * kRowBlock, count = std::min(kRowBlock, s.out_c - o0);
    const int64_t w_plane = plane_stride(count * s.in_c);
    float* wt = scratch<float>(size_t(16 * plane_stride(kRowBlock * s.in_c)), 1);  // [16][count][in_c]
    for (int64_t k = 0; k < 16; ++k) {
      // W_k [o0:o0+count, Cin] = GY_k [o0:o0+count, n] @ V_k [Cin, n]^T
      gemm_rm(false, true, count, s.in_c, n, 1.0f, gyt + k * gy_plane + o0 * n, n,
              v + k * v_plane, n, 0.0f, wt + k * w_plane, s.in_c);
    }
    weights_from_transformed(gw + o0 * s.in_c * 9, wt, w_plane, count, s.in_c);
  }
}

}  // namespace

void winograd_backward_weight(float* gw, const float* gy, const float* x, const ConvGeometry& g,
                              const Conv2dParams& p) {
  // dL/dU = A gy_tile A^T for each tile, so W_k [Cout, Cin] = sum over tiles of
  // GY_k [Cout, tiles] @ V_k [Cin, tiles]^T (V as in the forward), and gw = G^T W G.
  const WinogradShape s{g.batch, g.in_c, g.h, g.w, g.out_c, g.out_h, g.out_w, p.pad_h, p.pad_w};
  const int64_t tw = s.tiles_w(), rows = s.batch * s.tiles_h();
  if (s.out_c > rows * tw) return winograd_backward_weight_by_channels(gw, gy, x, s);
  const float* wt = sum_winograd_weight_chunks(
      s, 16,
      [&](float* v, int64_t plane, int64_t row0, int64_t row1, int64_t n) {
        transform_input(v, plane, x, s, row0, row1, n, 0, s.in_c);
      },
      [&](float* gyt, int64_t plane, int64_t row0, int64_t row1, int64_t n) {
        transform_grad_output(gyt, plane, gy, s, row0, row1, n, 0, s.out_c);
      });
  weights_from_transformed(gw, wt, plane_stride(s.out_c * s.in_c), s.out_c, s.in_c);
}

}  // namespace msq::cpu
