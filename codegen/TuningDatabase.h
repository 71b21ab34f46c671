// The tuning database: one JSON object per line, appended (and flushed to disk) as each trial of
// `cnnc tune` finishes, so a killed tune loses at most the trial in flight and a rerun continues
// from what the file holds. A record says which schedule ran a workload (workload_key(): op,
// attributes, shapes, target) how fast, and whether its output matched the reference; invalid
// trials are kept too, so a rerun does not try them again. `cnnc compile --db` applies, per
// workload, the valid record with the lowest median. Lines that do not parse (a line cut short by
// a kill) are skipped and counted, never fatal.
//   {"workload":"x86-64-linux-...|conv2d|...","schedule":{"vec":16,"cv":3,...},"median_ms":0.41,
//    "min_ms":0.39,"valid":true,"error":2.1e-07,"unix_time":1795000000}
//
// In-model confirmation: a trial times the kernel alone (warm caches, back to back), which can
// rank schedules differently from the kernel's time inside a whole run of the model (its input
// cold from the previous layer, its weights evicted). `cnnc tune` therefore ends by running the
// whole model with default and with tuned schedules and appends, per tuned workload, the default's
// and the tuned schedule's records again with "in_model_ms" (the kernel's median time per call
// inside those runs); the records of one such round share their unix_time. Where a workload has
// such records, best() takes the schedule that round chose, whatever the isolated times say: a
// record that loses in the model is not applied. The round's verdict ("chosen") is tune's, which
// asks the tuned schedule to win by a margin, not by any lower median.
//
// Every record names the code generation that built its kernel ("generator"); records of other
// generations stay in the file but are neither applied nor resumed from, since a kernel change
// makes their times (and invalid verdicts) say nothing about today's code.
#pragma once

#include "codegen/KernelSignature.h"

#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cnnc::codegen {

struct TuningRecord {
    std::string workload; // workload_key(), which starts with the target
    Schedule schedule;
    double median_ms = 0, min_ms = 0;
    bool valid = false;  // output within the tolerance of the reference interpreter's
    double error = 0;    // max |got - want| / max |want|
    int64_t unix_time = 0;
    // Median time per call inside whole-model runs (a confirmation round); NaN: not confirmed.
    double in_model_ms = std::numeric_limits<double>::quiet_NaN();
    // A confirmation round's verdict: whether it chose this schedule for the workload (absent in
    // plain trials, and in rounds written before verdicts were recorded).
    std::optional<bool> chosen;
    // The code generation that built and timed the kernel (generator_generation()); "" in records
    // written before it was recorded.
    std::string generator = generator_generation();
};

// One line of JSON, without the newline.
std::string to_json_line(const TuningRecord &record);
// The record a line holds; nullopt if it is not one (malformed, cut short, missing fields).
std::optional<TuningRecord> parse_record(const std::string &line);

class TuningDatabase {
  public:
    // Reads `path` (a missing file is an empty database).
    static TuningDatabase load(const std::string &path);

    const std::vector<TuningRecord> &records() const { return records_; }
    int skipped_lines() const { return skipped_; }
    // Records of another code generation (a different generator_generation()): kept in the file,
    // never applied, and not resumed from by `cnnc tune`.
    int stale_records() const;

    // Appends to the file and to this database; the line is on disk when this returns.
    void append(const std::string &path, const TuningRecord &record);

    // Per workload, among its valid records of this code generation: the schedule its latest
    // confirmation round chose where it has one (rounds without verdicts: the lowest in_model_ms),
    // else the fastest by (isolated) median.
    TunedSchedules best() const;

  private:
    std::vector<TuningRecord> records_;
    int skipped_ = 0;
};

} // namespace cnnc::codegen
