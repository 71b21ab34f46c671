// Test support for the tuning database tests: a valid record of one workload whose schedule
// differs only by its pixel tile, with the times a test injects.
#pragma once

#include "codegen/TuningDatabase.h"

#include <cstdint>
#include <string>

namespace cnnc::testing {

// in_model_ms NaN: a plain trial; otherwise a confirmation round's record.
inline codegen::TuningRecord sample_record(const std::string &workload, int pixel_tile, double isolated_ms,
                                           double in_model_ms, int64_t unix_time) {
    codegen::TuningRecord r;
    r.workload = workload;
    r.schedule.vector_width = 16;
    r.schedule.channel_vectors = 2;
    r.schedule.pixel_tile = pixel_tile;
    r.schedule.reduction_unroll = 1;
    r.schedule.row_tile = 4;
    r.schedule.task_order = 0;
    r.schedule.parallel = true;
    r.median_ms = isolated_ms;
    r.min_ms = isolated_ms;
    r.valid = true;
    r.error = 1e-7;
    r.unix_time = unix_time;
    r.in_model_ms = in_model_ms;
    return r;
}

} // namespace cnnc::testing
