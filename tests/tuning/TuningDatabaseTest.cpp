// The tuning database's format: records round-trip through their JSON line, lines cut short by a
// kill are skipped (and counted) rather than fatal, an append after a cut line starts a fresh
// line, and best() takes the fastest *valid* record per workload.
#include "codegen/TuningDatabase.h"
#include "tests/tuning/TempDb.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace cnnc::codegen;
using cnnc::testing::temp_db;

namespace {

TuningRecord record(const std::string &workload, int pixel_tile, double ms, bool valid) {
    TuningRecord r;
    r.workload = workload;
    r.schedule.vector_width = 16;
    r.schedule.channel_vectors = 3;
    r.schedule.pixel_tile = pixel_tile;
    r.schedule.reduction_unroll = 2;
    r.schedule.row_tile = 7;
    r.schedule.task_order = 1;
    r.schedule.parallel = true;
    r.median_ms = ms;
    r.min_ms = ms * 0.9;
    r.valid = valid;
    r.error = valid ? 1.5e-7 : 0.25;
    r.unix_time = 1795000000;
    return r;
}

} // namespace

TEST_CASE("a record round-trips through its JSON line, quotes and backslashes included") {
    const TuningRecord r = record("x86-64|conv2d|\"odd\\name\"|in[1,64,56,56]", 7, 0.4125, true);
    const std::string line = to_json_line(r);
    CHECK(line.find('\n') == std::string::npos);
    const auto back = parse_record(line);
    REQUIRE(back.has_value());
    CHECK(back->workload == r.workload);
    CHECK(back->schedule.to_string() == r.schedule.to_string());
    CHECK(back->median_ms == doctest::Approx(0.4125));
    CHECK(back->min_ms == doctest::Approx(0.4125 * 0.9));
    CHECK(back->valid);
    CHECK(back->error == doctest::Approx(1.5e-7));
    CHECK(back->unix_time == 1795000000);
}

TEST_CASE("lines that are not whole records are rejected") {
    const std::string line = to_json_line(record("w", 4, 1.0, true));
    for (size_t cut : {size_t(1), line.size() / 2, line.size() - 1}) CHECK_FALSE(parse_record(line.substr(0, cut)));
    CHECK_FALSE(parse_record(line + "x"));
    CHECK_FALSE(parse_record("{}"));
    CHECK_FALSE(parse_record("{\"workload\":\"w\",\"unknown\":1}"));
}

TEST_CASE("a database cut off mid-line (a killed tune) loads the whole records and appends cleanly") {
    const std::string path = temp_db("cnnc_tuning_db_test.jsonl");
    TuningDatabase db = TuningDatabase::load(path);
    CHECK(db.records().empty());
    db.append(path, record("a", 4, 2.0, true));
    db.append(path, record("a", 8, 1.0, true));
    // Simulate a kill during the third write: half a line, no newline.
    const std::string third = to_json_line(record("b", 4, 3.0, true));
    std::ofstream(path, std::ios::app) << third.substr(0, third.size() / 2);
    TuningDatabase resumed = TuningDatabase::load(path);
    CHECK(resumed.records().size() == 2);
    CHECK(resumed.skipped_lines() == 1);
    resumed.append(path, record("b", 4, 3.0, true));
    const TuningDatabase again = TuningDatabase::load(path);
    CHECK(again.records().size() == 3);
    CHECK(again.skipped_lines() == 1);
    CHECK(again.records().back().workload == "b");
    std::filesystem::remove(path);
}

TEST_CASE("best() takes the fastest valid record of each workload, an invalid one never wins") {
    const std::string path = temp_db("cnnc_tuning_best_test.jsonl");
    TuningDatabase db;
    db.append(path, record("a", 4, 2.0, true));
    db.append(path, record("a", 5, 0.01, false)); // fastest, but its output was wrong
    db.append(path, record("a", 6, 1.5, true));
    db.append(path, record("b", 2, 0.5, false));  // no valid record: no entry at all
    const TunedSchedules best = db.best();
    REQUIRE(best.count("a") == 1);
    CHECK(best.at("a").pixel_tile == 6);
    CHECK(best.count("b") == 0);
    std::filesystem::remove(path);
}
