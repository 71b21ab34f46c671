#include "ir/Error.h"

namespace cnnc {

void internal_error(const char *file, int line, const char *condition, const std::string &message) {
    throw InternalError(fmt::format("internal error at {}:{}: '{}' failed: {}", file, line,
                                    condition, message));
}

} // namespace cnnc
