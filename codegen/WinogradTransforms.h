// The Winograd minimal-filtering matrices for F(m x m, 3 x 3) (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016), m = 2 or 4, tile t = m + 2. One output tile is
//   Y = A^T [ (G g G^T) . (B^T d B) ] A        (. elementwise, d the t x t input tile)
// which equals the correlation y[i][j] = sum_{a,b} d[i+a][j+b] g[a][b] that conv2d computes.
// Plain C++ with no Halide, so tests can check the matrices themselves; the kernel
// (WinogradConvKernel.cpp) and the weight packing (WinogradWeights.cpp) read them from here.
#pragma once

#include <cstddef>
#include <vector>

namespace cnnc::codegen {

struct WinogradMatrices {
    int m = 0, t = 0;              // output tile m x m, input tile t x t
    std::vector<double> bt, g, at; // B^T [t x t], G [t x 3], A^T [m x t], row-major

    double bt_at(int row, int col) const { return bt[static_cast<size_t>(row * t + col)]; }
    double g_at(int row, int col) const { return g[static_cast<size_t>(row * 3 + col)]; }
    double at_at(int row, int col) const { return at[static_cast<size_t>(row * t + col)]; }
};

// F(2,3): interpolation points 0, 1, -1, infinity. F(4,3): 0, +-1, +-2, infinity; its larger
// coefficients (up to 8 in A^T, 5 in B^T) cost precision, which is why it is a separate knob.
inline const WinogradMatrices &winograd_matrices(int m) {
    static const WinogradMatrices f2{2, 4,
                                     {1, 0, -1, 0, //
                                      0, 1, 1, 0,  //
                                      0, -1, 1, 0, //
                                      0, 1, 0, -1},
                                     {1, 0, 0,          //
                                      0.5, 0.5, 0.5,    //
                                      0.5, -0.5, 0.5,   //
                                      0, 0, 1},
                                     {1, 1, 1, 0, //
                                      0, 1, -1, -1}};
    static const WinogradMatrices f4{4, 6,
                                     {4, 0, -5, 0, 1, 0,   //
                                      0, -4, -4, 1, 1, 0,  //
                                      0, 4, -4, -1, 1, 0,  //
                                      0, -2, -1, 2, 1, 0,  //
                                      0, 2, -1, -2, 1, 0,  //
                                      0, 4, 0, -5, 0, 1},
                                     {1.0 / 4, 0, 0,                  //
                                      -1.0 / 6, -1.0 / 6, -1.0 / 6,   //
                                      -1.0 / 6, 1.0 / 6, -1.0 / 6,    //
                                      1.0 / 24, 1.0 / 12, 1.0 / 6,    //
                                      1.0 / 24, -1.0 / 12, 1.0 / 6,   //
                                      0, 0, 1},
                                     {1, 1, 1, 1, 1, 0,   //
                                      0, 1, -1, 2, -2, 0, //
                                      0, 1, 1, 4, 4, 0,   //
                                      0, 1, -1, 8, -8, 1}};
    return m == 4 ? f4 : f2;
}

// U = G g G^T for one 3 x 3 filter g (row-major, g[ky*3 + kx]), in double so the only rounding
// is the final one to f32; returns t*t values, row-major [i][j] (i along y, j along x).
inline std::vector<double> winograd_filter_transform(const WinogradMatrices &w, const double *g) {
    const int t = w.t;
    std::vector<double> gg(static_cast<size_t>(t * 3), 0.0); // G g
    for (int i = 0; i < t; ++i)
        for (int b = 0; b < 3; ++b)
            for (int a = 0; a < 3; ++a) gg[static_cast<size_t>(i * 3 + b)] += w.g_at(i, a) * g[a * 3 + b];
    std::vector<double> u(static_cast<size_t>(t * t), 0.0); // (G g) G^T
    for (int i = 0; i < t; ++i)
        for (int j = 0; j < t; ++j)
            for (int b = 0; b < 3; ++b) u[static_cast<size_t>(i * t + j)] += gg[static_cast<size_t>(i * 3 + b)] * w.g_at(j, b);
    return u;
}

} // namespace cnnc::codegen
