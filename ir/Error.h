// Errors, split by whose fault they are (see ../shared/STYLE.md).
// CompileError: the user's input is wrong (bad model, bad flag); its message names where and
// what was expected versus found. InternalError: a cnnc invariant broke; it is a bug in cnnc.
// Neither aborts: the driver catches both and exits nonzero with one line.
#pragma once

#include <fmt/format.h>
#include <stdexcept>
#include <string>

namespace cnnc {

class CompileError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class InternalError : public std::logic_error {
  public:
    using std::logic_error::logic_error;
};

template <typename... Args>
[[noreturn]] void user_error(fmt::format_string<Args...> format, Args &&...args) {
    throw CompileError(fmt::format(format, std::forward<Args>(args)...));
}

[[noreturn]] void internal_error(const char *file, int line, const char *condition,
                                 const std::string &message);

} // namespace cnnc

// Checked in release builds too: a broken invariant must never turn into silent wrong numbers.
#define internal_assert(condition, ...)                                                            \
    do {                                                                                           \
        if (!(condition))                                                                          \
            ::cnnc::internal_error(__FILE__, __LINE__, #condition, ::fmt::format(__VA_ARGS__));   \
    } while (0)
