// The CPU grouped conv for groups narrower than a channel block (conv-grouped-broadcast,
// GroupedConvKernel.cpp): one block of output channels spans several groups, and each lane
// multiplies its own group's input channels, broadcast across that group's lanes.
#pragma once

#include "codegen/HalideHelpers.h"

namespace cnnc::codegen {

void build_grouped_broadcast_conv(const ir::Op &op, const KernelPlan &plan, KernelBuild &build);

// conv-grouped whose channel blocks lie inside one group or cover whole groups: the blocked
// product (BlockedProduct.h) over an input each task pads for itself (only what it reads).
void build_grouped_blocked_conv(const ir::Op &op, const KernelPlan &plan, KernelBuild &build);

} // namespace cnnc::codegen
