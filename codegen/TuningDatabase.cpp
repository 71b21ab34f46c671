// The tuning database (see TuningDatabase.h). Records are flat JSON objects (one nested object
// for the schedule), so a small reader for exactly that shape is enough; no JSON library needed.
#include "codegen/TuningDatabase.h"

#include "ir/Error.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>

#include <fcntl.h>
#include <unistd.h>

namespace cnnc::codegen {

namespace {

std::string quoted(const std::string &s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// A cursor over one line: reads the flat objects records are made of.
class Reader {
  public:
    explicit Reader(const std::string &text) : s_(text) {}

    bool object(const std::function<bool(const std::string &key, Reader &)> &field) {
        if (!eat('{')) return false;
        if (eat('}')) return true;
        do {
            std::string key;
            if (!string(key) || !eat(':') || !field(key, *this)) return false;
        } while (eat(','));
        return eat('}');
    }
    bool string(std::string &out) {
        skip();
        if (i_ >= s_.size() || s_[i_] != '"') return false;
        for (++i_; i_ < s_.size(); ++i_) {
            if (s_[i_] == '"') {
                ++i_;
                return true;
            }
            if (s_[i_] == '\\' && ++i_ >= s_.size()) return false;
            out += s_[i_];
        }
        return false;
    }
    bool number(double &out) {
        skip();
        const char *begin = s_.c_str() + i_;
        char *end = nullptr;
        errno = 0;
        out = std::strtod(begin, &end);
        if (end == begin || errno) return false;
        i_ += static_cast<size_t>(end - begin);
        return true;
    }
    bool boolean(bool &out) {
        skip();
        for (const char *word : {"true", "false"})
            if (s_.compare(i_, std::strlen(word), word) == 0) {
                out = word[0] == 't';
                i_ += std::strlen(word);
                return true;
            }
        return false;
    }
    bool at_end() {
        skip();
        return i_ == s_.size();
    }

  private:
    void skip() {
        while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
    }
    bool eat(char c) {
        skip();
        if (i_ < s_.size() && s_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    const std::string &s_;
    size_t i_ = 0;
};

bool read_int(Reader &r, int &out) {
    double v = 0;
    if (!r.number(v) || v != static_cast<int>(v)) return false;
    out = static_cast<int>(v);
    return true;
}

} // namespace

std::string to_json_line(const TuningRecord &r) {
    const Schedule &s = r.schedule;
    // GPU targets' records carry the GPU template's knobs too (absent on CPU records).
    const std::string gpu = s.gpu.active() ? fmt::format(",\"gpu_tc\":{},\"gpu_tx\":{},\"gpu_cc\":{},\"gpu_cx\":{},"
                                                         "\"gpu_rc\":{}",
                                                         s.gpu.threads_c, s.gpu.threads_x, s.gpu.tile_c, s.gpu.tile_x,
                                                         s.gpu.reduction_chunk)
                                           : "";
    // Winograd records carry the tile size m (absent on other kernels' records).
    const std::string wino = s.winograd_tile ? fmt::format(",\"wino\":{}", s.winograd_tile) : "";
    // Confirmed records carry their in-model time (absent on plain trials).
    const std::string in_model = std::isnan(r.in_model_ms) ? "" : fmt::format(",\"in_model_ms\":{:.6g}", r.in_model_ms);
    const std::string chosen = r.chosen ? fmt::format(",\"chosen\":{}", *r.chosen) : "";
    return fmt::format("{{\"workload\":{},\"schedule\":{{\"vec\":{},\"cv\":{},\"px\":{},\"ru\":{},\"rows\":{},"
                       "\"order\":{},\"par\":{}{}{}}},\"median_ms\":{:.6g},\"min_ms\":{:.6g},\"valid\":{},"
                       "\"error\":{:.3g},\"unix_time\":{}{}{},\"generator\":{}}}",
                       quoted(r.workload), s.vector_width, s.channel_vectors, s.pixel_tile, s.reduction_unroll,
                       s.row_tile, s.task_order, s.parallel, gpu, wino, r.median_ms, r.min_ms, r.valid, r.error, r.unix_time,
                       in_model, chosen, quoted(r.generator));
}

std::optional<TuningRecord> parse_record(const std::string &line) {
    TuningRecord r;
    r.generator.clear(); // absent: written before records named their generation
    Reader reader(line);
    int seen = 0;
    auto schedule = [&](const std::string &key, Reader &in) {
        Schedule &s = r.schedule;
        if (key == "par") return in.boolean(s.parallel);
        int *knob = key == "vec" ? &s.vector_width : key == "cv" ? &s.channel_vectors : key == "px" ? &s.pixel_tile
                  : key == "ru" ? &s.reduction_unroll : key == "rows" ? &s.row_tile : key == "order" ? &s.task_order
                  : key == "gpu_tc" ? &s.gpu.threads_c : key == "gpu_tx" ? &s.gpu.threads_x
                  : key == "gpu_cc" ? &s.gpu.tile_c : key == "gpu_cx" ? &s.gpu.tile_x
                  : key == "gpu_rc" ? &s.gpu.reduction_chunk : key == "wino" ? &s.winograd_tile : nullptr;
        return knob && read_int(in, *knob);
    };
    const bool ok = reader.object([&](const std::string &key, Reader &in) {
        double t = 0;
        ++seen;
        if (key == "workload") return in.string(r.workload);
        if (key == "schedule") return in.object(schedule);
        if (key == "median_ms") return in.number(r.median_ms);
        if (key == "min_ms") return in.number(r.min_ms);
        if (key == "valid") return in.boolean(r.valid);
        if (key == "error") return in.number(r.error);
        if (key == "unix_time") {
            if (!in.number(t)) return false;
            r.unix_time = static_cast<int64_t>(t);
            return true;
        }
        if (key == "in_model_ms") {
            --seen; // optional
            return in.number(r.in_model_ms) && r.in_model_ms >= 0;
        }
        if (key == "chosen") {
            --seen; // optional
            bool chosen = false;
            if (!in.boolean(chosen)) return false;
            r.chosen = chosen;
            return true;
        }
        if (key == "generator") {
            --seen; // optional
            return in.string(r.generator);
        }
        --seen;
        return false; // an unknown key: not a record this version wrote
    });
    if (!ok || !reader.at_end() || seen != 7 || r.workload.empty()) return std::nullopt;
    return r;
}

TuningDatabase TuningDatabase::load(const std::string &path) {
    TuningDatabase db;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        if (auto r = parse_record(line)) db.records_.push_back(std::move(*r));
        else ++db.skipped_;
    }
    return db;
}

void TuningDatabase::append(const std::string &path, const TuningRecord &record) {
    // A killed writer can leave a line without its newline; start on a fresh line then, so the
    // cut line stays one unparseable line instead of swallowing this record.
    bool needs_newline = false;
    if (std::ifstream in(path, std::ios::binary | std::ios::ate); in && in.tellg() > 0) {
        in.seekg(-1, std::ios::end);
        needs_newline = in.get() != '\n';
    }
    const std::string text = (needs_newline ? "\n" : "") + to_json_line(record) + "\n";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) user_error("cannot open the tuning database {}: {}", path, std::strerror(errno));
    const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::fsync(fd);
    ::close(fd);
    if (!written) user_error("cannot append to the tuning database {}", path);
    records_.push_back(record);
}

int TuningDatabase::stale_records() const {
    const std::string current = generator_generation();
    return static_cast<int>(std::count_if(records_.begin(), records_.end(),
                                          [&](const TuningRecord &r) { return r.generator != current; }));
}

TunedSchedules TuningDatabase::best() const {
    const std::string current = generator_generation();
    auto usable = [&](const TuningRecord &r) { return r.valid && r.generator == current; };
    // Each workload's latest confirmation round: its verdict outranks every isolated time (times
    // of different rounds ran under different loads, so only one round is compared).
    std::map<std::string, int64_t> latest_round;
    for (const TuningRecord &r : records_)
        if (usable(r) && !std::isnan(r.in_model_ms)) {
            auto [it, fresh] = latest_round.emplace(r.workload, r.unix_time);
            if (!fresh) it->second = std::max(it->second, r.unix_time);
        }
    TunedSchedules best;
    std::map<std::string, double> best_ms;
    for (const TuningRecord &r : records_) {
        if (!usable(r)) continue;
        const auto round = latest_round.find(r.workload);
        const bool confirmed = round != latest_round.end();
        if (confirmed && (std::isnan(r.in_model_ms) || r.unix_time != round->second)) continue;
        // A verdict decides; rounds without one fall back to the lowest in-model time.
        if (confirmed && r.chosen) {
            if (*r.chosen) {
                best_ms[r.workload] = -std::numeric_limits<double>::infinity();
                best[r.workload] = r.schedule;
            }
            continue;
        }
        const double ms = confirmed ? r.in_model_ms : r.median_ms;
        auto it = best_ms.find(r.workload);
        if (it != best_ms.end() && it->second <= ms) continue;
        best_ms[r.workload] = ms;
        best[r.workload] = r.schedule;
    }
    return best;
}

} // namespace cnnc::codegen
