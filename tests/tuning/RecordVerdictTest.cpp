// What decides whether a record is applied, beyond its times: the code generation that measured it
// (records of another generation are kept, never applied) and the in-model verdict of a
// confirmation round ("chosen", taken by tuned_wins's margin and majority, codegen/
// InModelVerdict.h). Times are injected: these test the decisions, not the machine.
#include "codegen/InModelVerdict.h"
#include "codegen/TuningDatabase.h"
#include "tests/tuning/SampleRecord.h"
#include "tests/tuning/TempDb.h"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

using namespace cnnc::codegen;
using cnnc::testing::temp_db;

namespace {

TuningRecord record(int pixel_tile, double isolated_ms, double in_model_ms, int64_t unix_time) {
    return cnnc::testing::sample_record("w", pixel_tile, isolated_ms, in_model_ms, unix_time);
}

} // namespace

TEST_SUITE("tuning") {

TEST_CASE("a record names its code generation, and one without a name is of an older generation") {
    const TuningRecord fresh = record(6, 0.5, NAN, 1795000000);
    CHECK(fresh.generator == generator_generation());
    CHECK(generator_generation().find(codegen_version) == 0);
    const std::string line = to_json_line(fresh);
    const auto back = parse_record(line);
    REQUIRE(back);
    CHECK(back->generator == generator_generation());
    CHECK(to_json_line(*back) == line);

    // The line a build before generations were recorded wrote: the same, without the field.
    std::string old = line;
    const size_t at = old.find(",\"generator\":");
    REQUIRE(at != std::string::npos);
    old.erase(at, old.size() - 1 - at);
    const auto old_back = parse_record(old);
    REQUIRE(old_back);
    CHECK(old_back->generator.empty());
}

TEST_CASE("best(): records of another code generation are kept, counted and never applied") {
    const std::string path = temp_db("cnnc_generations.jsonl");
    TuningDatabase db;
    db.append(path, record(6, 1.0, NAN, 1795000000));
    TuningRecord stale = record(12, 0.2, NAN, 1795000001); // far faster, but measured on other code
    stale.generator = "cnnc-codegen-0+depthwise-kernel=1+gpu1";
    db.append(path, stale);
    TuningRecord unnamed = record(3, 0.1, 0.1, 1795000002);
    unnamed.generator.clear();
    db.append(path, unnamed);
    CHECK(db.stale_records() == 2);
    CHECK(db.best().at("w").pixel_tile == 6);
    const TuningDatabase again = TuningDatabase::load(path);
    CHECK(again.records().size() == 3);
    CHECK(again.stale_records() == 2);
    CHECK(again.best().at("w").pixel_tile == 6);
    // Only stale records: the workload keeps its template schedule.
    TuningDatabase only_stale;
    only_stale.append(path, stale);
    CHECK(only_stale.best().count("w") == 0);
    std::filesystem::remove(path);
}

TEST_CASE("best(): a round's verdict decides, not its lower in-model median") {
    const std::string path = temp_db("cnnc_verdicts.jsonl");
    TuningDatabase db;
    // Tuned was 1% faster in the model: under the margin, so the round chose the default.
    TuningRecord def = record(6, 1.0, 1.00, 1795000100), tuned = record(12, 0.8, 0.99, 1795000100);
    def.chosen = true;
    tuned.chosen = false;
    db.append(path, def);
    db.append(path, tuned);
    CHECK(db.best().at("w").pixel_tile == 6);
    const auto back = parse_record(to_json_line(tuned));
    REQUIRE(back);
    REQUIRE(back->chosen.has_value());
    CHECK_FALSE(*back->chosen);
    CHECK(to_json_line(record(6, 1.0, NAN, 0)).find("chosen") == std::string::npos); // trials carry no verdict
    // A later round chose the tuned schedule.
    def = record(6, 1.0, 1.2, 1795000200);
    tuned = record(12, 0.8, 1.0, 1795000200);
    def.chosen = false;
    tuned.chosen = true;
    db.append(path, def);
    db.append(path, tuned);
    CHECK(TuningDatabase::load(path).best().at("w").pixel_tile == 12);
    // A round cut after its first line (the default's, not chosen): no tuned schedule is applied.
    def.unix_time = 1795000300;
    db.append(path, def);
    CHECK(TuningDatabase::load(path).best().count("w") == 0);
    std::filesystem::remove(path);
}

TEST_CASE("tuned_wins: a margin on the median and a majority of rounds, both required") {
    const double margin = 0.03;
    CHECK(tuned_wins({1.00, 0.90, 5, 5}, margin));
    CHECK(tuned_wins({1.00, 0.97, 5, 3}, margin));        // exactly at the margin, 3 of 5 rounds
    CHECK_FALSE(tuned_wins({1.00, 0.98, 5, 5}, margin));  // faster everywhere, but by 2%
    CHECK_FALSE(tuned_wins({1.00, 0.80, 5, 2}, margin));  // a fast median from 2 rounds of 5
    CHECK_FALSE(tuned_wins({1.00, 0.80, 4, 2}, margin));  // a tie of rounds is no majority
    CHECK_FALSE(tuned_wins({1.00, 1.10, 5, 0}, margin));
    CHECK(tuned_wins({1.00, 0.999, 3, 2}, 0.0));          // margin 0: any lower median with a majority
}

} // TEST_SUITE
