// Re-packs constant operands at compile time into the layout their kernel reads (see Packing in
// KernelSignature.h), so no kernel transposes weights at run time.
#pragma once

#include "codegen/KernelSignature.h"

#include <vector>

namespace cnnc::codegen {

// The values of constant operand `operand` laid out as operand.shape says, densely.
std::vector<float> pack_operand(const ir::Graph &g, const KernelOperand &operand);

} // namespace cnnc::codegen
