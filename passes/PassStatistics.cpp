// The thread-local statistics sink behind `--stats`: one per running pass, so pipelines on
// several threads (tests, a future parallel compile) never mix their counts.
#include "passes/PassStatistics.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace cnnc::passes {

namespace {
thread_local PassStatistics *current = nullptr;
} // namespace

void PassStatistics::add(std::string_view what, int64_t n) {
    for (auto &[name, count] : counts_)
        if (name == what) {
            count += n;
            return;
        }
    counts_.emplace_back(std::string(what), n);
}

void PassStatistics::note(std::string text) { notes_.push_back(std::move(text)); }

std::string PassStatistics::summary() const {
    std::vector<std::string> parts;
    for (const auto &[name, count] : counts_) parts.push_back(fmt::format("{} {}", count, name));
    for (const auto &text : notes_) parts.push_back(text);
    return fmt::format("{}", fmt::join(parts, ", "));
}

int64_t PassStatistics::count(std::string_view what) const {
    for (const auto &[name, count] : counts_)
        if (name == what) return count;
    return 0;
}

PassStatistics *current_statistics() { return current; }

StatisticsScope::StatisticsScope(PassStatistics *sink) : previous_(current) { current = sink; }
StatisticsScope::~StatisticsScope() { current = previous_; }

void report(std::string_view what, int64_t n) {
    if (current) current->add(what, n);
}

void report_note(std::string text) {
    if (current) current->note(std::move(text));
}

} // namespace cnnc::passes
