// Whether a tuned schedule is applied: the verdict of `cnnc tune`'s in-model confirmation
// (tools/cnnc/InModelConfirmation.h) on one workload, from its kernel's times inside whole-model
// runs of the library with default schedules and of the library with tuned ones.
//
// The tuned schedule is chosen only when its median per call is lower than the default's by at
// least `margin` (a fraction of the default's) and it was faster in more than half of the rounds.
// A lower median alone is not enough: under load, kernels with the same schedule differ by up to
// ~10% between runs, and a verdict on noise applies schedules that do not help.
#pragma once

namespace cnnc::codegen {

struct InModelTimes {
    double default_ms = 0, tuned_ms = 0;     // median per call over all rounds
    int rounds = 0, tuned_faster_rounds = 0; // rounds, and those whose tuned median per call was lower
};

bool tuned_wins(const InModelTimes &times, double margin);

} // namespace cnnc::codegen
