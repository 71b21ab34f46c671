// `cnnc tune` and `cnnc compile --db`, through the executables (this process never links
// Halide): a short tune appends valid records for every conv workload and gives the costly
// workload most of the trials; a rerun after a kill (the database cut mid-line) resumes without
// repeating a schedule; compile applies a record exactly when its workload signature matches, it
// is valid and it is of this code generation; the tuned library still matches the reference. The
// in-model confirmation that ends a tune appends, per tuned workload, the default's and the tuned
// record with in_model_ms (one round time, one of them chosen), compile --db applies the chosen
// one, and a record that loses in the model is not applied (times injected into a hand-written
// database). Budgets are seconds: these check the machinery, not the speed-ups (bench/bench.py
// measures those).
#include "tests/codegen/CompiledModel.h"

#include <map>
#include <regex>
#include <set>

using namespace cnnc;

namespace {

const std::string net = CNNC_TEST_DATA_DIR "/codegen/data/tune_two_convs.cnn";

std::vector<std::string> lines_of(const std::string &path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::string field(const std::string &line, const std::string &name) {
    std::smatch m;
    const std::regex re("\"" + name + "\":(\"(?:[^\"\\\\]|\\\\.)*\"|\\{[^}]*\\}|[^,}]+)");
    return std::regex_search(line, m, re) ? m[1].str() : std::string();
}

// Every line of `path` parses as JSON (Python's json module, an independent reader).
bool json_lines(const std::string &path) {
    const std::string command = fmt::format(
        "python3 -c 'import json, sys\nfor line in open(sys.argv[1]): json.loads(line)' {}", testing::shell_quote(path));
    return std::system(command.c_str()) == 0;
}

bool confirmed(const std::string &line) { return !field(line, "in_model_ms").empty(); }

int tune(const std::string &db, const std::string &budget, std::string *log) {
    const std::string log_path = db + ".log";
    const std::string command = fmt::format("CNNC_CACHE_DIR={} {} tune {} --db {} --budget {} --runs 5 -q > {} 2>&1",
                                            testing::shell_quote(testing::scratch_dir() + "/cache"), CNNC_BINARY,
                                            testing::shell_quote(net), testing::shell_quote(db), budget,
                                            testing::shell_quote(log_path));
    const int status = std::system(command.c_str());
    std::ifstream in(log_path);
    log->assign(std::istreambuf_iterator<char>(in), {});
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A 2-second tune into a fresh `name`.jsonl; the first trial of the costly workload (the 32x24x24
// conv), which is its default schedule's (defaults are measured first).
std::string probe_default_trial(const std::string &name) {
    const std::string probe = testing::scratch_dir() + "/" + name + ".jsonl";
    std::filesystem::remove(probe);
    std::string log;
    REQUIRE_MESSAGE(tune(probe, "2s", &log) == 0, log);
    for (const std::string &line : lines_of(probe))
        if (field(line, "workload").find("in[1,32,24,24]") != std::string::npos) return line;
    FAIL("no trial of the 32x24x24 conv in ", probe);
    return {};
}

} // namespace

TEST_CASE("tune: records for every workload, most trials to the costly one, resume after a kill") {
    const std::string db = testing::scratch_dir() + "/tune_two_convs.jsonl";
    std::filesystem::remove(db);
    std::string log;
    REQUIRE_MESSAGE(tune(db, "12s", &log) == 0, log);
    CHECK(log.find("3 conv workloads") != std::string::npos);
    std::vector<std::string> lines = lines_of(db);
    std::map<std::string, int> trials;
    std::set<std::string> tried;
    for (const std::string &line : lines) {
        CHECK(field(line, "valid") == "true");
        if (confirmed(line)) continue; // the confirmation's copies of trials
        ++trials[field(line, "workload")];
        CHECK(tried.insert(field(line, "workload") + field(line, "schedule")).second);
    }
    REQUIRE(trials.size() == 3);
    std::string costly;
    for (const auto &[workload, count] : trials)
        if (workload.find("in[1,32,24,24]") != std::string::npos) costly = workload;
    REQUIRE(!costly.empty());
    for (const auto &[workload, count] : trials)
        if (workload != costly) CHECK(trials[costly] > count);

    // A kill in the middle of a write: the last line cut short. The rerun skips it, and tries no
    // schedule the file already holds.
    while (confirmed(lines.back())) lines.pop_back(); // a kill before the confirmation
    const std::string last = lines.back();
    lines.pop_back();
    {
        std::ofstream out(db, std::ios::trunc);
        for (const std::string &line : lines) out << line << "\n";
        out << last.substr(0, last.size() / 2);
    }
    REQUIRE_MESSAGE(tune(db, "6s", &log) == 0, log);
    CHECK(log.find("skipped 1 line") != std::string::npos);
    const std::vector<std::string> resumed = lines_of(db);
    REQUIRE(resumed.size() > lines.size() + 1);
    for (size_t i = 0; i < lines.size(); ++i) CHECK(resumed[i] == lines[i]);
    std::set<std::string> seen;
    for (size_t i = 0; i < resumed.size(); ++i) {
        if (i == lines.size() || confirmed(resumed[i])) continue; // the cut line, confirmations
        CHECK(seen.insert(field(resumed[i], "workload") + field(resumed[i], "schedule")).second);
    }
    // The tuned library is correct.
    testing::check_compiled_model(net, "--db " + testing::shell_quote(db), 1e-4, "tune_two_convs_tuned");
}

TEST_CASE("compile --db applies a record when the workload matches and it is valid") {
    // A database written by hand for the costly workload, its key taken from a short tune.
    const std::string probe = probe_default_trial("tune_probe");
    const std::string key = field(probe, "workload"), generation = field(probe, "generator");
    REQUIRE(!generation.empty());
    std::string log;
    auto write_db = [&](const std::string &path, const std::string &workload, bool valid,
                        const std::string &generator) {
        std::ofstream(path, std::ios::trunc)
            << "{\"workload\":" << workload
            << ",\"schedule\":{\"vec\":8,\"cv\":1,\"px\":3,\"ru\":1,\"rows\":2,\"order\":1,\"par\":true},"
            << "\"median_ms\":0.001,\"min_ms\":0.001,\"valid\":" << (valid ? "true" : "false")
            << ",\"error\":0,\"unix_time\":1,\"generator\":" << generator << "}\n";
    };
    const std::string dir = testing::scratch_dir();
    auto compile = [&](const std::string &args, const std::string &name) {
        const std::string lib = dir + "/lib" + name + ".so";
        REQUIRE(testing::cnnc_compile(net, lib, args, &log) == 0);
        return testing::kernel_functions(lib);
    };
    const auto plain = compile("", "tune_plain");
    write_db(dir + "/tune_applied.jsonl", key, true, generation);
    const auto applied = compile("--db " + dir + "/tune_applied.jsonl", "tune_applied");
    REQUIRE(applied.size() == plain.size());
    int changed = 0;
    for (size_t i = 0; i < plain.size(); ++i) changed += plain[i] != applied[i];
    CHECK(changed == 1); // the costly conv only
    testing::check_compiled_model(net, "--db " + dir + "/tune_applied.jsonl", 1e-4, "tune_applied_check");

    write_db(dir + "/tune_invalid.jsonl", key, false, generation);
    CHECK(compile("--db " + dir + "/tune_invalid.jsonl", "tune_invalid") == plain);
    std::string other = key;
    other.replace(other.find("in[1,32,24,24]"), 14, "in[1,32,25,25]");
    write_db(dir + "/tune_other.jsonl", other, true, generation);
    CHECK(compile("--db " + dir + "/tune_other.jsonl", "tune_other") == plain);
    // The same record measured by another code generation: kept out, and compile says so.
    write_db(dir + "/tune_stale.jsonl", key, true, "\"cnnc-codegen-0+depthwise-kernel=1+gpu1\"");
    CHECK(compile("--db " + dir + "/tune_stale.jsonl", "tune_stale") == plain);
    CHECK(log.find("1 record(s) were measured with another code generation") != std::string::npos);
    CHECK(testing::cnnc_compile(net, dir + "/libtune_missing.so", "--db " + dir + "/no_such.jsonl", &log) == 1);
    CHECK(log.find("no such tuning database") != std::string::npos);
}

TEST_CASE("tune confirms in the model: both records per tuned workload, one round time, compile applies the winner") {
    // A database holding, for the costly workload, its default's trial and a hand-made record
    // claiming a far faster isolated time: the tune's confirmation must measure both in the model.
    const std::string default_line = probe_default_trial("tune_confirm_probe");
    std::string log;
    const std::string key = field(default_line, "workload");
    const std::string hand_schedule = "{\"vec\":8,\"cv\":1,\"px\":3,\"ru\":1,\"rows\":2,\"order\":1,\"par\":true}";
    REQUIRE(field(default_line, "schedule") != hand_schedule);
    const std::string db = testing::scratch_dir() + "/tune_confirm.jsonl";
    std::ofstream(db, std::ios::trunc) << default_line << "\n"
                                       << "{\"workload\":" << key << ",\"schedule\":" << hand_schedule
                                       << ",\"median_ms\":0.000001,\"min_ms\":0.000001,\"valid\":true,\"error\":0,"
                                          "\"unix_time\":1,\"generator\":"
                                       << field(default_line, "generator") << "}\n";
    REQUIRE_MESSAGE(tune(db, "3s", &log) == 0, log);
    CHECK(log.find("in the model (") != std::string::npos);
    CHECK(log.find("whole model, median run:") != std::string::npos);
    CHECK(json_lines(db));

    std::map<std::string, std::vector<std::string>> rounds; // workload -> its confirmed lines
    for (const std::string &line : lines_of(db))
        if (confirmed(line)) rounds[field(line, "workload")].push_back(line);
    REQUIRE(rounds.count(key) == 1);
    for (const auto &[workload, confirmations] : rounds) {
        INFO(workload);
        REQUIRE(confirmations.size() == 2); // the default and the tuned schedule, one round
        CHECK(field(confirmations[0], "unix_time") == field(confirmations[1], "unix_time"));
        CHECK(field(confirmations[0], "schedule") != field(confirmations[1], "schedule"));
    }
    const std::vector<std::string> &pair = rounds[key];
    CHECK(field(pair[0], "schedule") == field(default_line, "schedule"));
    CHECK(field(pair[1], "schedule") == hand_schedule);
    // One verdict per round: exactly one of the two is chosen.
    const bool tuned_wins = field(pair[1], "chosen") == "true";
    CHECK(field(pair[0], "chosen") == (tuned_wins ? "false" : "true"));

    // compile --db applies whichever won in the model (the hand record's kernel name differs).
    const std::string dir = testing::scratch_dir();
    auto compile = [&](const std::string &args, const std::string &name) {
        const std::string lib = dir + "/lib" + name + ".so";
        REQUIRE_MESSAGE(testing::cnnc_compile(net, lib, args, &log) == 0, log);
        return testing::kernel_functions(lib);
    };
    // Only the costly workload's records, so the other workloads keep their templates.
    const std::string costly_only = dir + "/tune_confirm_costly.jsonl";
    {
        std::ofstream out(costly_only, std::ios::trunc);
        for (const std::string &line : lines_of(db))
            if (field(line, "workload") == key) out << line << "\n";
    }
    const auto plain = compile("", "tune_confirm_plain");
    const auto applied = compile("--db " + costly_only, "tune_confirm_applied");
    REQUIRE(applied.size() == plain.size());
    int changed = 0;
    for (size_t i = 0; i < plain.size(); ++i) changed += plain[i] != applied[i];
    CHECK(changed == (tuned_wins ? 1 : 0));
    // The library built from the whole confirmed database matches the reference.
    testing::check_compiled_model(net, "--db " + testing::shell_quote(db), 1e-4, "tune_confirm_check");
}

TEST_CASE("compile --db: a record that loses in the model is not applied, one that wins is (injected times)") {
    const std::string default_line = probe_default_trial("tune_inject_probe");
    std::string log;
    const std::string key = field(default_line, "workload");
    const std::string default_schedule = field(default_line, "schedule"), generation = field(default_line, "generator");
    const std::string hand_schedule = "{\"vec\":8,\"cv\":1,\"px\":3,\"ru\":1,\"rows\":2,\"order\":1,\"par\":true}";
    REQUIRE(default_schedule != hand_schedule);
    auto line = [&](const std::string &schedule, double isolated_ms, double in_model_ms, int round) {
        return fmt::format("{{\"workload\":{},\"schedule\":{},\"median_ms\":{},\"min_ms\":{},\"valid\":true,"
                           "\"error\":0,\"unix_time\":{}{},\"generator\":{}}}\n",
                           key, schedule, isolated_ms, isolated_ms, round,
                           in_model_ms > 0 ? fmt::format(",\"in_model_ms\":{}", in_model_ms) : "", generation);
    };
    const std::string dir = testing::scratch_dir();
    auto compile = [&](const std::string &db, const std::string &name) {
        const std::string lib = dir + "/lib" + name + ".so";
        REQUIRE_MESSAGE(testing::cnnc_compile(net, lib, "--db " + db, &log) == 0, log);
        return testing::kernel_functions(lib);
    };
    const std::string isolated = dir + "/tune_inject_isolated.jsonl";
    std::ofstream(isolated, std::ios::trunc) << line(default_schedule, 1.0, 0, 1) << line(hand_schedule, 0.5, 0, 2);
    const auto applied = compile(isolated, "tune_inject_isolated"); // the isolated winner
    // The confirmation round says the hand record is slower in the model: not applied.
    const std::string loses = dir + "/tune_inject_loses.jsonl";
    std::ofstream(loses, std::ios::trunc) << line(default_schedule, 1.0, 0, 1) << line(hand_schedule, 0.5, 0, 2)
                                          << line(default_schedule, 1.0, 1.2, 10) << line(hand_schedule, 0.5, 1.5, 10);
    CHECK(json_lines(loses));
    const auto not_applied = compile(loses, "tune_inject_loses");
    // A later round where it wins: applied again.
    const std::string wins = dir + "/tune_inject_wins.jsonl";
    std::ofstream(wins, std::ios::trunc) << line(default_schedule, 1.0, 1.2, 10) << line(hand_schedule, 0.5, 1.5, 10)
                                         << line(default_schedule, 1.0, 1.4, 20) << line(hand_schedule, 0.5, 1.3, 20);
    const auto won = compile(wins, "tune_inject_wins");
    REQUIRE(applied.size() == not_applied.size());
    int differ = 0;
    for (size_t i = 0; i < applied.size(); ++i) differ += applied[i] != not_applied[i];
    CHECK(differ == 1); // the costly conv's kernel: the default's, not the hand record's
    CHECK(won == applied);
    testing::check_compiled_model(net, "--db " + loses, 1e-4, "tune_inject_loses_check");
}
