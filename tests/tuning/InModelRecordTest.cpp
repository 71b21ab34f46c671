// In-model confirmation records (codegen/TuningDatabase.h): "in_model_ms" round-trips and is
// optional; best() ranks a confirmed workload by in-model time within its latest round, so a record
// that is faster alone but slower inside the model is not applied. Times are injected: these test
// the decision, not the machine.
#include "codegen/TuningDatabase.h"
#include "tests/tuning/SampleRecord.h"
#include "tests/tuning/TempDb.h"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace cnnc::codegen;
using cnnc::testing::temp_db;

namespace {

TuningRecord record(const std::string &workload, int pixel_tile, double isolated_ms, double in_model_ms,
                    int64_t unix_time) {
    return cnnc::testing::sample_record(workload, pixel_tile, isolated_ms, in_model_ms, unix_time);
}

} // namespace

TEST_SUITE("tuning") {

TEST_CASE("in_model_ms round-trips, is optional, and a negative one is not a record") {
    const TuningRecord confirmed = record("w", 6, 0.5, 0.625, 1795000100);
    const std::string line = to_json_line(confirmed);
    CHECK(line.find("\"in_model_ms\":0.625") != std::string::npos);
    const auto back = parse_record(line);
    REQUIRE(back);
    CHECK(back->in_model_ms == doctest::Approx(0.625));
    CHECK(to_json_line(*back) == line);

    const TuningRecord plain = record("w", 6, 0.5, NAN, 1795000000);
    CHECK(to_json_line(plain).find("in_model_ms") == std::string::npos);
    const auto plain_back = parse_record(to_json_line(plain));
    REQUIRE(plain_back);
    CHECK(std::isnan(plain_back->in_model_ms));

    std::string negative = line;
    negative.replace(negative.find("0.625"), 5, "-0.625");
    CHECK_FALSE(parse_record(negative));
}

TEST_CASE("best(): a record faster alone but slower in the model is not applied") {
    const std::string path = temp_db("cnnc_in_model_loses.jsonl");
    TuningDatabase db;
    db.append(path, record("w", 6, 1.0, NAN, 1795000000));  // the default's trial
    db.append(path, record("w", 12, 0.8, NAN, 1795000001)); // faster alone
    CHECK(db.best().at("w").pixel_tile == 12);
    // The confirmation round: in the model the tuned schedule is slower.
    db.append(path, record("w", 6, 1.0, 1.10, 1795000050));
    db.append(path, record("w", 12, 0.8, 1.25, 1795000050));
    CHECK(db.best().at("w").pixel_tile == 6);
    // A later isolated trial, even faster, does not outrank the confirmation.
    db.append(path, record("w", 3, 0.5, NAN, 1795000060));
    CHECK(db.best().at("w").pixel_tile == 6);
    // The file says the same after a reload, and every line is a record.
    const TuningDatabase again = TuningDatabase::load(path);
    CHECK(again.skipped_lines() == 0);
    CHECK(again.records().size() == 5);
    CHECK(again.best().at("w").pixel_tile == 6);
    std::filesystem::remove(path);
}

TEST_CASE("best(): the latest confirmation round decides, other workloads keep the isolated ranking") {
    const std::string path = temp_db("cnnc_in_model_rounds.jsonl");
    TuningDatabase db;
    // Round 1 (under a lighter load): tuned 0.9 beat default 1.0.
    db.append(path, record("w", 6, 1.0, 1.0, 1795000100));
    db.append(path, record("w", 12, 0.8, 0.9, 1795000100));
    CHECK(db.best().at("w").pixel_tile == 12);
    // Round 2 (heavier load, every time higher): the default wins. Round 1's 0.9 is lower than
    // anything in round 2 but is not compared with it.
    db.append(path, record("w", 6, 1.0, 1.3, 1795000200));
    db.append(path, record("w", 12, 0.8, 1.4, 1795000200));
    CHECK(db.best().at("w").pixel_tile == 6);
    // Another workload with isolated trials only.
    db.append(path, record("v", 6, 2.0, NAN, 1795000300));
    db.append(path, record("v", 12, 1.5, NAN, 1795000300));
    CHECK(db.best().at("v").pixel_tile == 12);
    // An invalid record never wins, even with the lowest in-model time.
    TuningRecord broken = record("w", 3, 0.1, 0.1, 1795000200);
    broken.valid = false;
    db.append(path, broken);
    CHECK(db.best().at("w").pixel_tile == 6);
    std::filesystem::remove(path);
}

} // TEST_SUITE
