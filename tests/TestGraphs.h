// Small graphs built with the Graph API, shared by unit tests of several folders.
#pragma once

#include "ir/Graph.h"
#include "ir/ShapeInference.h"

#include <string>

namespace cnnc::testing {

// A constant of the given dims filled by a seeded uniform initialiser.
inline ir::ValueId seeded_constant(ir::Graph &g, const std::string &name, ir::Dims dims,
                                   double lo = -1, double hi = 1) {
    ir::Initializer init;
    init.kind = ir::Initializer::Kind::uniform;
    init.lo = lo, init.hi = hi, init.seed = ir::seed_from_name(name);
    return g.add_constant(name, ir::ConstantData::from_init({ir::DType::f32, std::move(dims)}, init));
}

// x -> conv3x3(pad 1) -> relu, on an f32[1,c,h,w] input.
inline ir::ValueId conv_relu(ir::Graph &g, ir::ValueId x, int64_t out_channels,
                             const std::string &name) {
    const int64_t c = g.type(x).dims[1];
    const ir::ValueId w = seeded_constant(g, name + ".w", {out_channels, c, 3, 3});
    ir::Conv2DAttrs conv;
    conv.kernel = {3, 3};
    conv.pad = {1, 1, 1, 1};
    const ir::ValueId y = g.add(ir::OpKind::conv2d, {x, w}, conv, name);
    g.value(y).type = ir::infer_op_types(g, g.op(g.value(y).producer))[0];
    const ir::ValueId r = g.add(ir::OpKind::relu, {y}, ir::NoAttrs{}, name + ".relu");
    g.value(r).type = g.type(y);
    return r;
}

} // namespace cnnc::testing
