// The target the cost-model plan tests rank schedules for: this machine's class (AVX-512, 16 f32
// lanes), fixed so that the tests do not depend on the host they run on.
#pragma once

#include "codegen/KernelSignature.h"

namespace cnnc::testing {

inline codegen::TargetInfo avx512_target() {
    codegen::TargetInfo t;
    t.halide_target = "x86-64-linux-avx512_skylake";
    t.vector_width = 16;
    return t;
}

} // namespace cnnc::testing
