// Runs a cnnc-compiled model linked at build time, through the C++ wrapper of its C ABI: prints
// the model's inputs and outputs, runs it on a constant image and prints the top output.
#include "cnnc_runtime.hpp"

#include <algorithm>
#include <cstdio>

int main() {
    try {
        const cnnc::Model model; // the functions of the linked library
        std::printf("model %s\n", model.name().c_str());
        std::vector<std::vector<float>> inputs;
        for (const auto &in : model.inputs()) {
            std::printf("  input  %s: %lld floats\n", in.name.c_str(), static_cast<long long>(in.num_elements));
            inputs.emplace_back(static_cast<size_t>(in.num_elements), 0.5f);
        }
        cnnc::Instance instance(model); // one per thread if you run several at once
        const auto outputs = instance.run(inputs);
        for (size_t i = 0; i < outputs.size(); ++i) {
            const auto &o = outputs[i];
            const auto best = std::max_element(o.begin(), o.end()) - o.begin();
            std::printf("  output %s: %zu floats, largest at index %ld (%g)\n", model.outputs()[i].name.c_str(),
                        o.size(), static_cast<long>(best), o[static_cast<size_t>(best)]);
        }
    } catch (const cnnc::Error &e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
