// Winograd convolution (codegen/WinogradConvKernel.h). First the transform matrices themselves,
// in double: A^T [(G g) . (B^T d)] must equal the 3-tap correlation for F(2,3) and F(4,3), and a
// single wrong coefficient must make that check fail (so it is not vacuous). Then compiled
// kernels against the reference interpreter: odd shapes, edge tiles, padding and epilogues.
// Tolerance: F(2,3) at 1e-4 of the output's largest magnitude, the bound the model tests use.
#include "codegen/WinogradTransforms.h"
#include "tests/codegen/CompiledModel.h"

#include <random>

using namespace cnnc;

namespace {

// max |winograd - direct| over random 2-D tiles, for matrices `w` (possibly corrupted).
double transform_error(const codegen::WinogradMatrices &w, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<double> dist(-1.0, 1.0);
    const int t = w.t, m = w.m;
    double worst = 0;
    for (int trial = 0; trial < 20; ++trial) {
        std::vector<double> d(static_cast<size_t>(t * t)), g(9);
        for (double &v : d) v = dist(rng);
        for (double &v : g) v = dist(rng);
        const std::vector<double> u = codegen::winograd_filter_transform(w, g.data());
        std::vector<double> v(static_cast<size_t>(t * t), 0.0); // B^T d B
        for (int i = 0; i < t; ++i)
            for (int j = 0; j < t; ++j)
                for (int a = 0; a < t; ++a)
                    for (int b = 0; b < t; ++b)
                        v[static_cast<size_t>(i * t + j)] += w.bt_at(i, a) * d[static_cast<size_t>(a * t + b)] * w.bt_at(j, b);
        for (int yi = 0; yi < m; ++yi)
            for (int xi = 0; xi < m; ++xi) {
                double y = 0, want = 0;
                for (int i = 0; i < t; ++i)
                    for (int j = 0; j < t; ++j)
                        y += w.at_at(yi, i) * u[static_cast<size_t>(i * t + j)] * v[static_cast<size_t>(i * t + j)] *
                             w.at_at(xi, j);
                for (int a = 0; a < 3; ++a)
                    for (int b = 0; b < 3; ++b) want += d[static_cast<size_t>((yi + a) * t + xi + b)] * g[static_cast<size_t>(a * 3 + b)];
                worst = std::max(worst, std::fabs(y - want));
            }
    }
    return worst;
}

} // namespace

TEST_CASE("winograd: F(2,3) and F(4,3) transforms equal 3x3 correlation, a wrong coefficient does not") {
    for (int m : {2, 4}) {
        INFO("F(", m, ",3)");
        const codegen::WinogradMatrices &w = codegen::winograd_matrices(m);
        CHECK(w.m == m);
        CHECK(transform_error(w, 7) < 1e-12);
        // One flipped sign in each matrix in turn: the check must see it.
        for (std::vector<double> codegen::WinogradMatrices::*matrix :
             {&codegen::WinogradMatrices::bt, &codegen::WinogradMatrices::g, &codegen::WinogradMatrices::at}) {
            codegen::WinogradMatrices wrong = w;
            for (double &c : wrong.*matrix)
                if (c != 0.0 && c != 1.0) {
                    c = -c;
                    break;
                }
            CHECK(transform_error(wrong, 7) > 1e-3);
        }
    }
}

TEST_CASE("winograd: compiled F(2,3) kernels match the reference (edge tiles, padding, epilogues)") {
    testing::check_compiled_model(CNNC_TEST_DATA_DIR "/codegen/data/winograd.cnn", "-O0", 1e-4, "winograd");
}

TEST_CASE("winograd: compiled F(4,3) kernels, the template's from 28x28 up, match the reference") {
    testing::check_compiled_model(CNNC_TEST_DATA_DIR "/codegen/data/winograd_f4.cnn", "-O0", 1e-4, "winograd_f4");
}

TEST_SUITE("slow") {
    TEST_CASE("winograd: resnet50 and vgg16 with every eligible 3x3 conv on Winograd match the reference") {
        // select-algorithm-winograd marks every 3x3 stride-1 conv with >= 16 channels, whatever
        // the default rule picks; whole models at 1e-4 of the output's scale.
        const std::string passes = "--passes eliminate-identity,fold-constants,fold-bn,fuse-epilogue,"
                                   "merge-sibling-convs,select-algorithm-winograd,choose-layout,dce,"
                                   "schedule-branches,plan-memory";
        testing::check_compiled_model("zoo:resnet50?input=64", passes, 1e-4, "resnet50_64_winograd");
        testing::check_compiled_model("zoo:vgg16?input=32", passes, 1e-4, "vgg16_32_winograd");
    }
}
