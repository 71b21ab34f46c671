// How a pass reports what it did (`fold-bn: 53 folded`) without changing its Graph -> Graph
// signature: the pass manager installs a sink for the duration of one pass, and the pass adds
// named counts to whatever sink is current. With no sink installed (a pass called directly, as
// unit tests do) reports go nowhere.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cnnc::passes {

class PassStatistics {
  public:
    // Adds `n` to the count called `what` ("folded", "merged into 3 convs"), keeping first-report
    // order so the line reads in the order the pass decided things.
    void add(std::string_view what, int64_t n = 1);
    // A free-form figure ("peak 12.3 MB vs 98.1 MB unplanned"), printed after the counts.
    void note(std::string text);

    bool empty() const { return counts_.empty() && notes_.empty(); }
    // "53 folded, 2 to scale-shift, peak 12.3 MB vs 98.1 MB unplanned"
    std::string summary() const;
    int64_t count(std::string_view what) const;

  private:
    std::vector<std::pair<std::string, int64_t>> counts_;
    std::vector<std::string> notes_;
};

// The sink of the pass running on this thread, or null.
PassStatistics *current_statistics();

// Installs `sink` as this thread's current one for the lifetime of the scope.
class StatisticsScope {
  public:
    explicit StatisticsScope(PassStatistics *sink);
    ~StatisticsScope();
    StatisticsScope(const StatisticsScope &) = delete;
    StatisticsScope &operator=(const StatisticsScope &) = delete;

  private:
    PassStatistics *previous_;
};

// What passes call: counts into the current sink, if any.
void report(std::string_view what, int64_t n = 1);
void report_note(std::string text);

} // namespace cnnc::passes
