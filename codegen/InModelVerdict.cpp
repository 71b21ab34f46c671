// The in-model verdict (see InModelVerdict.h).
#include "codegen/InModelVerdict.h"

namespace cnnc::codegen {

bool tuned_wins(const InModelTimes &times, double margin) {
    return times.tuned_ms <= times.default_ms * (1.0 - margin) && 2 * times.tuned_faster_rounds > times.rounds;
}

} // namespace cnnc::codegen
