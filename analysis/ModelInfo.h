// What a network costs, layer by layer: output shape, parameters, multiply-accumulates,
// activation memory, and the receptive field and effective stride at each layer's output. This
// is `cnnc info`'s model, computed from types alone (no weight is generated), so it is as cheap
// for VGG-16's 138 M parameters as for a toy net.
//
// Conventions, chosen to match how papers and torchvision count:
//  - params: elements of every constant an op reads, counted once (at its first reader), except
//    BatchNorm's running mean and variance, which are statistics, not parameters (torchvision's
//    parameters() leaves them out; they are reported separately as `statistics`).
//  - MACs: multiply-accumulates of conv2d, conv_transpose and gemm. Elementwise ops, pooling and
//    normalisation are not counted, as in the published "mult-adds" figures.
//  - activation bytes: the bytes of the op's results.
//  - receptive field / stride: per spatial axis (h, w), the extent of input pixels one output
//    pixel can see and the input distance between neighbouring output pixels. A windowed op
//    adds (dilation*(kernel-1)) * stride_in to the field and multiplies the stride by its own;
//    a merge (add, concat, ...) takes the maximum over its inputs, i.e. over paths; ops that
//    mix all positions (global pools, flatten of a spatial map) act as a window the size of
//    their input. The field is not clipped to the input size.
#pragma once

#include "ir/Graph.h"

#include <array>
#include <string>
#include <vector>

namespace cnnc::analysis {

struct LayerInfo {
    std::string name; // the op's first result
    ir::OpKind kind;
    std::vector<ir::TensorType> outputs;
    int64_t params = 0;
    int64_t statistics = 0; // BN running mean/var elements
    int64_t macs = 0;
    int64_t activation_bytes = 0;
    bool has_receptive_field = false; // false for ops reading no graph input (e.g. on constants)
    std::array<double, 2> receptive_field{0, 0};
    std::array<double, 2> stride{0, 0};
};

struct KindShare {
    ir::OpKind kind;
    int64_t layers = 0, params = 0, macs = 0, activation_bytes = 0;
};

struct ModelInfo {
    std::string model;
    std::vector<LayerInfo> layers; // every op except constants, in topological order
    int64_t params = 0, statistics = 0, macs = 0, activation_bytes = 0;
    int64_t weight_bytes = 0; // all constants, as stored
    std::vector<KindShare> by_kind; // op kinds with any params, MACs or activations; most MACs first
};

// Expects every value typed (shapes inferred), as load_model leaves it.
ModelInfo analyse(const ir::Graph &g);

// The three renderings `cnnc info --format` offers (InfoFormat.cpp).
std::string format_table(const ModelInfo &info);
std::string format_csv(const ModelInfo &info);
std::string format_json(const ModelInfo &info);

} // namespace cnnc::analysis
