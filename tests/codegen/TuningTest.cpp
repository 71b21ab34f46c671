// `cnnc tune` and `cnnc compile --db`, through the executables (this process never links
// Halide): a short tune appends valid records for every conv workload and gives the costly
// workload most of the trials; a rerun after a kill (the database cut mid-line) resumes without
// repeating a schedule; compile applies a record exactly when its workload signature matches and
// it is valid; the tuned library still matches the reference. Budgets are seconds: these check
// the machinery, not the speed-ups (bench/bench.py measures those).
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

// The compiled kernels' symbols (they name the signature, schedule included).
std::vector<std::string> kernel_functions(const std::string &library) {
    runtime::Library lib(library);
    const Model m(lib.api());
    std::vector<std::string> names;
    for (const auto &k : m.kernels()) names.push_back(k.function);
    return names;
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
        if (i == lines.size()) continue; // the cut line
        CHECK(seen.insert(field(resumed[i], "workload") + field(resumed[i], "schedule")).second);
    }
    // The tuned library is correct.
    testing::check_compiled_model(net, "--db " + testing::shell_quote(db), 1e-4, "tune_two_convs_tuned");
}

TEST_CASE("compile --db applies a record when the workload matches and it is valid") {
    // A database written by hand for the costly workload, its key taken from a short tune.
    const std::string probe = testing::scratch_dir() + "/tune_probe.jsonl";
    std::filesystem::remove(probe);
    std::string log;
    REQUIRE_MESSAGE(tune(probe, "2s", &log) == 0, log);
    std::string key;
    for (const std::string &line : lines_of(probe))
        if (field(line, "workload").find("in[1,32,24,24]") != std::string::npos) key = field(line, "workload");
    REQUIRE(!key.empty());
    auto write_db = [&](const std::string &path, const std::string &workload, bool valid) {
        std::ofstream(path, std::ios::trunc)
            << "{\"workload\":" << workload
            << ",\"schedule\":{\"vec\":8,\"cv\":1,\"px\":3,\"ru\":1,\"rows\":2,\"order\":1,\"par\":true},"
            << "\"median_ms\":0.001,\"min_ms\":0.001,\"valid\":" << (valid ? "true" : "false")
            << ",\"error\":0,\"unix_time\":1}\n";
    };
    const std::string dir = testing::scratch_dir();
    auto compile = [&](const std::string &args, const std::string &name) {
        const std::string lib = dir + "/lib" + name + ".so";
        REQUIRE(testing::cnnc_compile(net, lib, args, &log) == 0);
        return kernel_functions(lib);
    };
    const auto plain = compile("", "tune_plain");
    write_db(dir + "/tune_applied.jsonl", key, true);
    const auto applied = compile("--db " + dir + "/tune_applied.jsonl", "tune_applied");
    REQUIRE(applied.size() == plain.size());
    int changed = 0;
    for (size_t i = 0; i < plain.size(); ++i) changed += plain[i] != applied[i];
    CHECK(changed == 1); // the costly conv only
    testing::check_compiled_model(net, "--db " + dir + "/tune_applied.jsonl", 1e-4, "tune_applied_check");

    write_db(dir + "/tune_invalid.jsonl", key, false);
    CHECK(compile("--db " + dir + "/tune_invalid.jsonl", "tune_invalid") == plain);
    std::string other = key;
    other.replace(other.find("in[1,32,24,24]"), 14, "in[1,32,25,25]");
    write_db(dir + "/tune_other.jsonl", other, true);
    CHECK(compile("--db " + dir + "/tune_other.jsonl", "tune_other") == plain);
    CHECK(testing::cnnc_compile(net, dir + "/libtune_missing.so", "--db " + dir + "/no_such.jsonl", &log) == 1);
    CHECK(log.find("no such tuning database") != std::string::npos);
}
