// Tuning databases that force chosen schedules onto a test net's convs, so that kernel tests
// reach tile shapes the cost model would not pick (ragged blocks, shifted last tiles and strips,
// chunked reductions). The records start from a real tune of the net's defaults, so each spells
// this host's target and code generation, which a record written by hand would have to guess.
#pragma once

#include "tests/codegen/CompiledModel.h"

#include <functional>
#include <regex>

namespace cnnc::testing {

// One record per conv workload of `net`, from a tune that measures the defaults only (--prune 1
// skips every candidate the cost model ranks behind them). `stem` names its files in `dir`.
inline std::vector<std::string> default_records(const std::string &net, const std::string &dir,
                                                const std::string &stem) {
    const std::string probe = dir + "/" + stem + "_probe.jsonl";
    std::filesystem::remove(probe);
    const std::string command = fmt::format(
        "CNNC_CACHE_DIR={} {} tune {} -O0 --db {} --budget 60s --prune 1 --runs 1 --confirm-share 0 -q > {}.log 2>&1",
        shell_quote(dir + "/cache"), CNNC_BINARY, shell_quote(net), shell_quote(probe), shell_quote(probe));
    REQUIRE(std::system(command.c_str()) == 0);
    std::ifstream in(probe);
    std::vector<std::string> records, keys;
    std::string line;
    std::smatch m;
    while (std::getline(in, line))
        if (std::regex_search(line, m, std::regex("\"workload\":(\"[^\"]*\")")) &&
            std::find(keys.begin(), keys.end(), m[1].str()) == keys.end()) {
            keys.push_back(m[1].str());
            records.push_back(line);
        }
    return records;
}

// Writes dir/stem.jsonl: each of `net`'s default records with its "schedule" member replaced by
// schedule(record) (a whole `"schedule":{...}` member) and the best times, so that compile applies
// it. Returns the path.
inline std::string forced_database(const std::string &net, const std::string &dir, const std::string &stem,
                                   const std::function<std::string(const std::string &record)> &schedule) {
    const std::string path = dir + "/" + stem + ".jsonl";
    std::ofstream out(path, std::ios::trunc);
    for (std::string record : default_records(net, dir, stem)) {
        record = std::regex_replace(record, std::regex("\"schedule\":\\{[^}]*\\}"), schedule(record));
        record = std::regex_replace(record, std::regex("\"(median|min)_ms\":[-+.0-9eE]+"), "\"$1_ms\":0.001");
        out << record << "\n";
    }
    return path;
}

} // namespace cnnc::testing
