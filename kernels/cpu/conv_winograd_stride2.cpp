// The input gradient (and, below, the forward) of a 3x3, stride-2, padding-1 convolution by
// Winograd (see conv_winograd.h): gx split into its four stride phases (even or odd rows x even or odd
// columns), each of which is a stride-1 correlation of gy with a part of the kernel:
//   ee: gx[2m][2n]         = sum_o w[o][c][1][1] gy[o][m][n]                    (1x1)
//   eo: gx[2m][2n + 1]     = w[1][2] gy[m][n] + w[1][0] gy[m][n + 1]            (1x2)
//   oe: gx[2m + 1][2n]     = w[2][1] gy[m][n] + w[0][1] gy[m + 1][n]            (2x1)
//   oo: gx[2m + 1][2n + 1] = [w22 w20; w02 w00] over gy[m..m+1][n..n+1]         (2x2)
// A tile is a 2x2 block of every phase (a 4x4 block of gx) and reads a 3x3 block d of gy.
// The 2-tap correlations run as Winograd F(2, 2) (y0 = m0 + m1, y1 = m1 + m2 with m0 =
// (d0 - d1) g0, m1 = d1 (g0 + g1), m2 = (d2 - d1) g1) and the 2x2 one as F(2x2, 2x2), so a
// tile takes 4 + 6 + 6 + 9 = 25 products per channel pair instead of the direct 36: 25
// GEMMs M_k [Cin, tiles] = U_k [Cin, Cout] @ V_k [Cout, tiles] through run_winograd_chunks.
// Points: 0-3 ee (d[u][v]), 4-9 eo (row u: d[u][0] - d[u][1], d[u][1], d[u][2] - d[u][1]),
// 10-15 oe (column v, the same along rows), 16-24 oo (B^T d B, B^T = [1 -1 0; 0 1 0; 0 -1 1]).
// Measured (128 -> 128 channels, 56 -> 28, batch 8, the input gradient alone): 17.6-17.9 ms
// against the phase kernels' 19.7 at one thread, 9.4-9.5 against 10.1-10.2 at two; chunks of
// at least 32, 64, 256 and 512 tiles instead of 128 were 3-25 % slower (each chunk reads the
// 1.6 MB of U_k again). Collecting each gx row's four columns in one pass was 5 % slower.
#include <algorithm>
#include <vector>

#include "kernels/cpu/conv_direct.h"
#include "kernels/cpu/conv_winograd.h"
#include "kernels/cpu/conv_winograd_chunks.h"
#include "kernels/cpu/gemm_row_panels.h"

namespace msq::cpu {

namespace {

constexpr int64_t kPoints = 25;

// The 25 transformed weights t of one 3x3 kernel g (g[a * 3 + b]) for the forward's points
// (see below): ee w11; eo F(2, 2)'s G on (w10, w12); oe on (w01, w21); oo G h G^T with h =
// [w00 w02; w20 w22], G = [1 0; 1 1; 0 1]. The input gradient's points are the same formulas
// on the kernel turned by 180 degrees.
void s2_weight_points(const float g[9], float t[kPoints]) {
  for (int k = 0; k < 4; ++k) t[k] = g[4];
  const float eo[3] = {g[3], g[3] + g[5], g[5]};
  const float oe[3] = {g[1], g[1] + g[7], g[7]};
  for (int j = 0; j < 3; ++j) t[4 + j] = t[7 + j] = eo[j];
  for (int i = 0; i < 3; ++i) t[10 + i] = t[13 + i] = oe[i];
  const float gh[3][2] = {{g[0], g[2]}, {g[0] + g[6], g[2] + g[8]}, {g[6], g[8]}};
  for (int i = 0; i < 3; ++i) {
    t[16 + 3 * i + 0] = gh[i][0];
    t[16 + 3 * i + 1] = gh[i][0] + gh[i][1];
    t[16 + 3 * i + 2] = gh[i][1];
  }
}

// u: [25][rows][cols] (planes plane_stride() apart, each in row panels where `panels`) from
// w: [out_c, in_c, 3, 3]: the forward's U_k [out_c, in_c], or (for_input_gradient) the
// input gradient's U_k [in_c, out_c] from the kernels turned by 180 degrees.
void transform_weights_s2(float* u, const float* w, int64_t out_c, int64_t in_c, bool panels,
                          bool for_input_gradient) {
  const int64_t plane = plane_stride(out_c * in_c);
  const int64_t cols = for_input_gradient ? out_c : in_c;
#pragma omp parallel for schedule(static) if (in_c * out_c > 4096)
  for (int64_t o = 0; o < out_c; ++o) {
    for (int64_t c = 0; c < in_c; ++c) {
      const float* g = w + (o * in_c + c) * 9;
      float taps[9], t[kPoints];
      for (int k = 0; k < 9; ++k) taps[k] = for_input_gradient ? g[8 - k] : g[k];
      s2_weight_points(taps, t);
      const int64_t row = for_input_gradient ? c : o, col = for_input_gradient ? o : c;
      const int64_t at = panels ? row_panel_index(row, col, cols) : row * cols + col;
      for (int k = 0; k < kPoints; ++k) u[k * plane + at] = t[k];
    }
  }
}

// Writes one tile's 25 points, out[k * k_step] for k < 25, from the four phase blocks of its
// input: 0-3 ee as they are; 4-9 eo, each row (a, b, c) by F(2, 2) as (a - b, b, c - b);
// 10-15 oe, each column the same; 16-24 oo, B^T d B (rows first, then columns). Both
// stride-2 input transforms (the input gradient's and the forward's) end here.
[[gnu::always_inline]] inline void write_s2_points(float* out, int64_t k_step, const float (&ee)[4],
                            const float (&eo)[2][3], const float (&oe)[2][3],
                            const float (&oo)[3][3]) {
  for (int k = 0; k < 4; ++k) out[k * k_step] = ee[k];
  for (int u = 0; u < 2; ++u) {
    out[(4 + 3 * u) * k_step] = eo[u][0] - eo[u][1];
    out[(5 + 3 * u) * k_step] = eo[u][1];
    out[(6 + 3 * u) * k_step] = eo[u][2] - eo[u][1];
    out[(10 + 3 * u) * k_step] = oe[u][0] - oe[u][1];
    out[(11 + 3 * u) * k_step] = oe[u][1];
    out[(12 + 3 * u) * k_step] = oe[u][2] - oe[u][1];
  }
  for (int i = 0; i < 3; ++i) {  // row i of B^T d: d0 - d1, d1, d2 - d1
    const float r0 = i == 1 ? oo[1][0] : oo[i][0] - oo[1][0];
    const float r1 = i == 1 ? oo[1][1] : oo[i][1] - oo[1][1];
    const float r2 = i == 1 ? oo[1][2] : oo[i][2] - oo[1][2];
    out[(16 + 3 * i) * k_step] = r0 - r1;
    out[(17 + 3 * i) * k_step] = r1;
    out[(18 + 3 * i) * k_step] = r2 - r1;
  }
}

// v: [25][Cout][n] (planes k_step apart) for gy channel o and the tiles of tile rows
// [row0, row1): the 3x3 block d of gy at rows 2 tr .. 2 tr + 2, columns 2 t .. 2 t + 2
// (zeros past the edges). s: gy as the input (in_c = Cout, h x w = Ho x Wo).
void transform_input_s2(float* v, int64_t k_step, const float* gy, const WinogradShape& s,
                        int64_t row0, int64_t row1, int64_t n, int64_t o) {
  const int64_t tw = s.tiles_w(), th = s.tiles_h(), ld = tw + 1;
  thread_local std::vector<float> rows;
  rows.resize(size_t(6 * ld));
  for (int64_t r = row0; r < row1; ++r) {
    const int64_t b = r / th, tr = r % th;
    const float* go = gy + (b * s.in_c + o) * s.h * s.w;
    float* split[3] = {rows.data(), rows.data() + 2 * ld, rows.data() + 4 * ld};
    for (int i = 0; i < 3; ++i) {
      const int64_t ih = 2 * tr + i;
      if (ih >= s.h) std::fill(split[i], split[i] + 2 * ld, 0.0f);
      else split_column_phases(split[i], ld, go + ih * s.w, s.w, 2, 0, ld);
    }
    const float *e0 = split[0], *o0 = e0 + ld, *e1 = split[1], *o1 = e1 + ld;
    const float *e2 = split[2], *o2 = e2 + ld;
    float* out = v + o * n + (r - row0) * tw;
#pragma omp simd
    for (int64_t t = 0; t < tw; ++t) {
      const float d00 = e0[t], d01 = o0[t], d02 = e0[t + 1];
      const float d10 = e1[t], d11 = o1[t], d12 = e1[t + 1];
      const float d20 = e2[t], d21 = o2[t], d22 = e2[t + 1];
      const float ee[4] = {d00, d01, d10, d11};
      const float eo[2][3] = {{d00, d01, d02}, {d10, d11, d12}};
      const float oe[2][3] = {{d00, d10, d20}, {d01, d11, d21}};
      const float oo[3][3] = {{d00, d01, d02}, {d10, d11, d12}, {d20, d21, d22}};
      write_s2_points(out + t, k_step, ee, eo, oe, oo);
    }
  }
}

// gx channel c's 4x4 blocks for the tiles of tile rows [row0, row1) from m: [25][Cin][n]
// (planes k_step apart). gx: [B, Cin, H, W]; s.out_h x s.out_w is the phase grid.
void transform_output_s2(float* gx, const float* m, int64_t k_step, const WinogradShape& s,
                         int64_t h, int64_t w, int64_t row0, int64_t row1, int64_t n, int64_t c) {
  const int64_t tw = s.tiles_w(), th = s.tiles_h();
  thread_local std::vector<float> buf;
  buf.resize(size_t(12 * tw));
  // cols[q][t]: gx column 4 t + q of the row being built; even / odd: its columns 2 j and
  // 2 j + 1, merged from cols[0] and cols[2], cols[1] and cols[3].
  float* cols[4] = {buf.data(), buf.data() + tw, buf.data() + 2 * tw, buf.data() + 3 * tw};
  float* even = buf.data() + 4 * tw;
  float* odd = buf.data() + 8 * tw;
  for (int64_t r = row0; r < row1; ++r) {
    const int64_t b = r / th, tr = r % th;
    const float* mt = m + c * n + (r - row0) * tw;
    float* gc = gx + (b * s.out_c + c) * h * w;
    for (int64_t row = 0; row < 4 && 4 * tr + row < h; ++row) {
      const int u = int(row / 2);
      if (row % 2 == 0) {  // ee[u][0], eo[u][0], ee[u][1], eo[u][1]
        const float *e0 = mt + (2 * u) * k_step, *e1 = mt + (2 * u + 1) * k_step;
        const float *f0 = mt + (4 + 3 * u) * k_step, *f1 = f0 + k_step, *f2 = f1 + k_step;
#pragma omp simd
        for (int64_t t = 0; t < tw; ++t) {
          cols[0][t] = e0[t];
          cols[2][t] = e1[t];
          cols[1][t] = f0[t] + f1[t];
          cols[3][t] = f1[t] + f2[t];
        }
      } else {  // oe[u][0], oo[u][0], oe[u][1], oo[u][1]
        // oe[u][v] = m[10 + 3v + u] + m[11 + 3v + u]; oo = A^T M A, A^T = [1 1 0; 0 1 1]:
        // row u of A^T M is M[u] + M[u + 1] (M[i] = m[16 + 3i .. 18 + 3i]).
        const float *p0 = mt + (10 + u) * k_step, *p1 = p0 + k_step;
        const float *q0 = mt + (13 + u) * k_step, *q1 = q0 + k_step;
        const float *a = mt + (16 + 3 * u) * k_step, *bb = a + 3 * k_step;
#pragma omp simd
        for (int64_t t = 0; t < tw; ++t) {
          const float s0 = a[t] + bb[t], s1 = a[t + k_step] + bb[t + k_step];
          const float s2 = a[t + 2 * k_step] + bb[t + 2 * k_step];
          cols[0][t] = p0[t] + p1[t];
          cols[2][t] = q0[t] + q1[t];
          cols[1][t] = s0 + s1;
          cols[3][t] = s1 + s2;
        }
      }
      merge_column_phases(even, 2 * tw, cols[0], cols[2]);
      merge_column_phases(odd, 2 * tw, cols[1], cols[3]);
      merge_column_phases(gc + (4 * tr + row) * w, w, even, odd);
    }
  }
}

// The forward (the transpose of the above): x split into its stride phases, y[i][j] =
//   w11 x_ee[i][j] + (w10 x_eo[i][j - 1] + w12 x_eo[i][j]) + (w01 x_oe[i - 1][j] + w21 x_oe[i][j])
//   + [w00 w02; w20 w22] over x_oo[i - 1..i][j - 1..j],
// with x_ee[m][n] = x[2m][2n], x_eo[m][n] = x[2m][2n + 1], and so on. A 2x2 tile of y reads the
// 5x5 block X of x at rows 4 tr - 1 .. 4 tr + 3 and columns 4 t - 1 .. 4 t + 3; its points:
// 0-3 ee (X[1 + 2u][1 + 2v]), 4-9 eo (row u: F(2, 2) on X[1 + 2u][0, 2, 4]), 10-15 oe
// (column v: on X[0, 2, 4][1 + 2v]), 16-24 oo (B^T d B, d[i][j] = X[2i][2j]); y is the sum of
// the four phases' outputs. Measured (128 -> 128 channels, 56 -> 28, batch 8): 17.3 ms
// against the channel-vector kernel's 18.6 at one thread, 8.8-9.4 against 9.2-9.3 at two.
// (A first version with the 25 planes read in one loop by the output transform and the
// stride-4 column split done one float at a time took 20.7 ms at one thread.)

// v: [25][Cin][n] (planes k_step apart) for x channel c and the tiles of tile rows [row0,
// row1). Each of the block's 5 rows is split into its columns modulo 4 (from column -1):
// X[r][q] = ph[r][q][t] for q < 4, X[r][4] = ph[r][0][t + 1].
void transform_input_s2_forward(float* v, int64_t k_step, const float* x, const WinogradShape& s,
                                int64_t row0, int64_t row1, int64_t n, int64_t c) {
  const int64_t tw = s.tiles_w(), th = s.tiles_h(), ld = tw + 1;
  thread_local std::vector<float> rows;
  rows.resize(size_t(20 * ld));
  // The block's row 4 is the next tile row's row 0 (x row 4 tr + 3): kept when the next
  // tile row is of the same image.
  float* split[5];
  for (int i = 0; i < 5; ++i) split[i] = rows.data() + 4 * i * ld;
  int kept = 0;
  for (int64_t r = row0; r < row1; ++r) {
    const int64_t b = r / th, tr = r % th;
    const float* xc = x + (b * s.in_c + c) * s.h * s.w;
    for (int i = kept; i < 5; ++i) {
      const int64_t ih = 4 * tr - 1 + i;
      if (ih < 0 || ih >= s.h) std::fill(split[i], split[i] + 4 * ld, 0.0f);
      else split_column_phases(split[i], ld, xc + ih * s.w, s.w, 4, -1, ld);
    }
    auto ph = [&](int row, int q) { return split[row] + q * ld; };
    const float *x10 = ph(1, 0), *x11 = ph(1, 1), *x12 = ph(1, 2), *x13 = ph(1, 3);
    const float *x30 = ph(3, 0), *x31 = ph(3, 1), *x32 = ph(3, 2), *x33 = ph(3, 3);
    const float *x00 = ph(0, 0), *x01 = ph(0, 1), *x02 = ph(0, 2), *x03 = ph(0, 3);
    const float *x20 = ph(2, 0), *x21 = ph(2, 1), *x22 = ph(2, 2), *x23 = ph(2, 3);
    const float *x40 = ph(4, 0), *x41 = ph(4, 1), *x42 = ph(4, 2), *x43 = ph(4, 3);
    float* out = v + c * n + (r - row0) * tw;
#pragma omp simd
    for (int64_t t = 0; t < tw; ++t) {
      // X[r][q], r, q < 5
      const float X00 = x00[t], X01 = x01[t], X02 = x02[t], X03 = x03[t], X04 = x00[t + 1];
      const float X10 = x10[t], X11 = x11[t], X12 = x12[t], X13 = x13[t], X14 = x10[t + 1];
      const float X20 = x20[t], X21 = x21[t], X22 = x22[t], X23 = x23[t], X24 = x20[t + 1];
      const float X30 = x30[t], X31 = x31[t], X32 = x32[t], X33 = x33[t], X34 = x30[t + 1];
      const float X40 = x40[t], X41 = x41[t], X42 = x42[t], X43 = x43[t], X44 = x40[t + 1];
      const float ee[4] = {X11, X13, X31, X33};
      const float eo[2][3] = {{X10, X12, X14}, {X30, X32, X34}};  // rows 1 and 3
      const float oe[2][3] = {{X01, X21, X41}, {X03, X23, X43}};  // columns 1 and 3
      const float oo[3][3] = {{X00, X02, X04}, {X20, X22, X24}, {X40, X42, X44}};
      write_s2_points(out + t, k_step, ee, eo, oe, oo);
    }
    kept = 0;
    if (tr + 1 < th) {
      std::swap(split[0], split[4]);
      kept = 1;
    }
  }
}

// y channel o's rows for the tiles of tile rows [row0, row1) from m: [25][Cout][n] (planes
// k_step apart): each 2x2 tile is the sum of its four phases' outputs, plus the bias.
void transform_output_s2_forward(float* y, const float* m, int64_t k_step, const float* bias,
                                 const WinogradShape& s, int64_t row0, int64_t row1, int64_t n,
                                 int64_t o) {
  const int64_t tw = s.tiles_w(), th = s.tiles_h();
  float* const out = tile_row_buffer(tw);
  float *y00 = out, *y01 = out + tw, *y10 = out + 2 * tw, *y11 = out + 3 * tw;
  const float bo = bias ? bias[o] : 0.0f;
  for (int64_t r = row0; r < row1; ++r) {
    const int64_t b = r / th, tr = r % th;
    const float* mt = m + o * n + (r - row0) * tw;
    // Two passes over the 25 planes (ee, eo, oe; then oo), each loop reading few streams.
#pragma omp simd
    for (int64_t t = 0; t < tw; ++t) {
      const float* p = mt + t;
      y00[t] = p[0] + (p[4 * k_step] + p[5 * k_step]) + (p[10 * k_step] + p[11 * k_step]) + bo;
      y01[t] = p[k_step] + (p[5 * k_step] + p[6 * k_step]) + (p[13 * k_step] + p[14 * k_step]) + bo;
      y10[t] = p[2 * k_step] + (p[7 * k_step] + p[8 * k_step]) + (p[11 * k_step] + p[12 * k_step]) + bo;
      y11[t] = p[3 * k_step] + (p[8 * k_step] + p[9 * k_step]) + (p[14 * k_step] + p[15 * k_step]) + bo;
    }
#pragma omp simd
    for (int64_t t = 0; t < tw; ++t) {
      // oo = A^T M A: Q[u][j] = M[u][j] + M[u + 1][j], M[i][j] = m[16 + 3i + j]
      const float* p = mt + 16 * k_step + t;
      const float m1 = p[3 * k_step], m2 = p[4 * k_step], m3 = p[5 * k_step];
      const float q00 = p[0] + m1, q01 = p[k_step] + m2, q02 = p[2 * k_step] + m3;
      const float q10 = m1 + p[6 * k_step], q11 = m2 + p[7 * k_step], q12 = m3 + p[8 * k_step];
      y00[t] += q00 + q01;
      y01[t] += q01 + q02;
      y10[t] += q10 + q11;
      y11[t] += q11 + q12;
    }
    write_output_tile_row(y + (b * s.out_c + o) * s.out_h * s.out_w, out, s, tr);
  }
}

// The weight gradient of the forward above: dL/dm_k for a tile is the sum of the gy values
// whose outputs point k feeds (gyt below), W_k [Cout, Cin] = sum over tiles of GY_k @ V_k^T,
// and gw the transpose of the weight transform applied to W. Measured (128 -> 128 channels,
// 56 -> 28, batch 8, the whole backward with the input gradient above): 36.4 ms against 40.6
// at one thread, 18.7-19.3 against 20.4-21.2 at two.

// gyt: [25][Cout][n] (planes k_step apart) for gy channel o: from the 2x2 block g of gy at
// rows 2 tr, 2 tr + 1, columns 2 t, 2 t + 1 (zeros past the edges).
void transform_grad_output_s2(float* gyt, int64_t k_step, const float* gy, const WinogradShape& s,
                              int64_t row0, int64_t row1, int64_t n, int64_t o) {
  const int64_t tw = s.tiles_w(), th = s.tiles_h();
  thread_local std::vector<float> rows;
  rows.resize(size_t(4 * tw));
  float *e0 = rows.data(), *od0 = e0 + tw, *e1 = e0 + 2 * tw, *od1 = e0 + 3 * tw;
  for (int64_t r = row0; r < row1; ++r) {
    const int64_t b = r / th, tr = r % th;
    split_grad_output_rows(rows.data(), gy + (b * s.out_c + o) * s.out_h * s.out_w, s, tr);
    float* out = gyt + o * n + (r - row0) * tw;
#pragma omp simd
    for (int64_t t = 0; t < tw; ++t) {
      const float g00 = e0[t], g01 = od0[t], g10 = e1[t], g11 = od1[t];
      const float top = g00 + g01, bottom = g10 + g11, left = g00 + g10, right = g01 + g11;
      out[0 * k_step + t] = g00;  // ee
      out[1 * k_step + t] = g01;
      out[2 * k_step + t] = g10;
      out[3 * k_step + t] = g11;
      out[4 * k_step + t] = g00;  // eo: F(2, 2)'s A along each row
      out[5 * k_step + t] = top;
      out[6 * k_step + t] = g01;
      out[7 * k_step + t] = g10;
      out[8 * k_step + t] = bottom;
      out[9 * k_step + t] = g11;
      out[10 * k_step + t] = g00;  // oe: along each column
      out[11 * k_step + t] = left;
      out[12 * k_step + t] = g10;
      out[13 * k_step + t] = g01;
      out[14 * k_step + t] = right;
      out[15 * k_step + t] = g11;
      out[16 * k_step + t] = g00;  // oo: A g A^T
      out[17 * k_step + t] = top;
      out[18 * k_step + t] = g01;
      out[19 * k_step + t] = left;
      out[20 * k_step + t] = top + bottom;
      out[21 * k_step + t] = right;
      out[22 * k_step + t] = g10;
      out[23 * k_step + t] = bottom;
      out[24 * k_step + t] = g11;
    }
  }
}

// gw: [out_c, in_c, 3, 3] from W: [25][out_c][in_c] (planes `plane` floats apart): the
// transpose of the forward's transform_weights_s2 (s2_weight_points).
void weights_from_transformed_s2(float* gw, const float* wt, int64_t plane, int64_t out_c,
                                 int64_t in_c) {
#pragma omp parallel for schedule(static) if (out_c * in_c > 4096)
  for (int64_t oc = 0; oc < out_c * in_c; ++oc) {
    float d[kPoints];
    for (int k = 0; k < kPoints; ++k) d[k] = wt[k * plane + oc];
    float* g = gw + oc * 9;
    g[4] = d[0] + d[1] + d[2] + d[3];                         // w11
    const float e0 = d[4] + d[7], e1 = d[5] + d[8], e2 = d[6] + d[9];
    g[3] = e0 + e1;                                           // w10
    g[5] = e1 + e2;                                           // w12
    const float o0 = d[10] + d[13], o1 = d[11] + d[14], o2 = d[12] + d[15];
    g[1] = o0 + o1;                                           // w01
    g[7] = o1 + o2;                                           // w21
    // oo: G^T dT G, dT[i][j] = d[16 + 3i + j]
    float rr[2][3];
    for (int j = 0; j < 3; ++j) {
      rr[0][j] = d[16 + j] + d[19 + j];
      rr[1][j] = d[19 + j] + d[22 + j];
    }
    g[0] = rr[0][0] + rr[0][1];                               // w00
    g[2] = rr[0][1] + rr[0][2];                               // w02
    g[6] = rr[1][0] + rr[1][1];                               // w20
    g[8] = rr[1][1] + rr[1][2];                               // w22
  }
}

// Where the automatic choice takes it: ungrouped 3x3, stride 2, padding 1, dilation 1, with
// at least kWinogradMinChannels channels in and out (ResNet's strided 3x3 layers), and at least
// kTilesPerChannel (forward) or 1 (gradients) 2x2 output tiles per channel of the wider side:
// the 25 transformed weight matrices (26 MB at 512 channels) must be paid for by enough tiles.
// Measured (batch 8, two threads, three alternating rounds, ms forward / backward, Winograd
// against the channel-vector and phase kernels): 128 @56 -> 28 (12 tiles per channel) 9.1-9.5
// / 19.4-19.5 against 9.4-9.6 / 21.2-21.6; 256 @28 -> 14 (1.5) 10.6-11.2 / 22.4-22.7 against
// 9.7-9.9 / 23.3-23.7; 512 @14 -> 7 (0.25) 13.3 / 30.5 against 11.1 / 27.2.
constexpr int64_t kTilesPerChannel = 4;

// Whether the automatic choice (or MSQ_CONV_PATH) takes the stride-2 Winograd kernels, with
// at least min_ratio tiles per channel.
bool s2_preferred(const ConvGeometry& g, const Conv2dParams& p, int64_t min_ratio) {
  switch (forced_conv_algorithm()) {
    case ConvAlgorithm::fallback:
    case ConvAlgorithm::direct:
    case ConvAlgorithm::channels: return false;
    case ConvAlgorithm::winograd: return winograd_s2_supported(g, p);
    case ConvAlgorithm::automatic: break;
  }
  const int64_t tiles = g.batch * ceil_div(g.out_h, 2) * ceil_div(g.out_w, 2);
  return winograd_s2_supported(g, p) && g.in_c >= kWinogradMinChannels &&
         g.out_c >= kWinogradMinChannels &&
         tiles >= min_ratio * std::max(g.in_c, g.out_c);
}

}  // namespace

bool winograd_s2_supported(const ConvGeometry& g, const Conv2dParams& p) {
  return g.groups == 1 && g.kh == 3 && g.kw == 3 && p.stride_h == 2 && p.stride_w == 2 &&
         p.pad_h == 1 && p.pad_w == 1 && p.dilation_h == 1 && p.dilation_w == 1;
}

bool winograd_s2_forward_preferred(const ConvGeometry& g, const Conv2dParams& p) {
  return s2_preferred(g, p, kTilesPerChannel);
}

bool winograd_s2_backward_preferred(const ConvGeometry& g, const Conv2dParams& p) {
  return s2_preferred(g, p, 1);
}

namespace {

// The forward's or (for_input_gradient) the input gradient's transformed weights from w:
// [Cout, Cin, 3, 3], then every chunk of s (run_winograd_chunks) with those transforms.
template <class Input, class Output>
void run_s2_chunks(const WinogradShape& s, const float* w, const ConvGeometry& g,
                   bool for_input_gradient, Input input, Output output) {
  const WinogradChunks plan = plan_winograd_chunks(s, kPoints);
  WinogradWeights weights;
  weights.panels = row_panel_gemm_usable(s.out_c);
  float* u = scratch<float>(size_t(kPoints * plane_stride(s.out_c * s.in_c)), 1);
  transform_weights_s2(u, w, g.out_c, g.in_c, weights.panels, for_input_gradient);
  weights.u = u;
  run_winograd_chunks(s, kPoints, plan, weights, input, output);
}

}  // namespace

void winograd_s2_forward(float* y, const float* x, const float* w, const float* bias,
                         const ConvGeometry& g, const Conv2dParams&) {
  const WinogradShape s{g.batch, g.in_c, g.h, g.w, g.out_c, g.out_h, g.out_w, 1, 1};
  run_s2_chunks(
      s, w, g, false,
      [&](float* v, int64_t plane, int64_t row0, int64_t row1, int64_t n, int64_t c) {
        transform_input_s2_forward(v, plane, x, s, row0, row1, n, c);
      },
      [&](const float* m, int64_t plane, int64_t row0, int64_t row1, int64_t n, int64_t o) {
        transform_output_s2_forward(y, m, plane, bias, s, row0, row1, n, o);
      });
}

void winograd_s2_backward_weight(float* gw, const float* gy, const float* x,
                                 const ConvGeometry& g, const Conv2dParams&) {
  const WinogradShape s{g.batch, g.in_c, g.h, g.w, g.out_c, g.out_h, g.out_w, 1, 1};
  const float* wt = sum_winograd_weight_chunks(
      s, kPoints,
      [&](float* v, int64_t plane, int64_t row0, int64_t row1, int64_t n) {
        for (int64_t c = 0; c < s.in_c; ++c) transform_input_s2_forward(v, plane, x, s, row0, row1, n, c);
      },
      [&](float* gyt, int64_t plane, int64_t row0, int64_t row1, int64_t n) {
        for (int64_t o = 0; o < s.out_c; ++o) transform_grad_output_s2(gyt, plane, gy, s, row0, row1, n, o);
      });
  weights_from_transformed_s2(gw, wt, plane_stride(s.out_c * s.in_c), s.out_c, s.in_c);
}

void winograd_s2_backward_input(float* gx, const float* gy, const float* w, const ConvGeometry& g,
                                const Conv2dParams&) {
  // The chunks see gy as the input (Cout channels, Ho x Wo) and the phase grid (ceil(H / 2) x
  // ceil(W / 2), Cin channels) as the output.
  const WinogradShape s{g.batch, g.out_c, g.out_h, g.out_w, g.in_c, (g.h + 1) / 2, (g.w + 1) / 2, 0, 0};
  run_s2_chunks(
      s, w, g, true,
      [&](float* v, int64_t plane, int64_t row0, int64_t row1, int64_t n, int64_t o) {
        transform_input_s2(v, plane, gy, s, row0, row1, n, o);
      },
      [&](const float* m, int64_t plane, int64_t row0, int64_t row1, int64_t n, int64_t c) {
        transform_output_s2(gx, m, plane, s, g.h, g.w, row0, row1, n, c);
      });
}

}  // namespace msq::cpu
