// Test helper for compare_torchvision.py: writes every constant of a zoo model as DIR/NAME.npy.
// Zoo weights are named as torchvision's state_dict keys, so the script can load them into the
// matching torchvision model by name and compare outputs with `cnnc eval`.
//   zoo_export_weights zoo:resnet18?input=64 DIR
#include "frontend/ModelLoader.h"
#include "ir/Error.h"
#include "ir/Npy.h"

#include <fmt/core.h>

#include <exception>
#include <filesystem>

int main(int argc, char **argv) {
    if (argc != 3) {
        fmt::print(stderr, "usage: {} zoo:NAME[?k=v] DIR\n", argv[0]);
        return 1;
    }
    try {
        const cnnc::ir::Graph g = cnnc::frontend::load_model(argv[1]);
        std::filesystem::create_directories(argv[2]);
        for (const auto &op : g.ops()) {
            if (op.kind != cnnc::ir::OpKind::constant) continue;
            const auto &value = g.value(op.outputs[0]);
            const cnnc::ir::ConstantData *data = g.constant_data(op.outputs[0]);
            cnnc::ir::write_npy(fmt::format("{}/{}.npy", argv[2], value.name),
                                cnnc::ir::Tensor(data->type(), data->values()));
        }
    } catch (const std::exception &e) {
        fmt::print(stderr, "{}: {}\n", argv[1], e.what());
        return 1;
    }
    return 0;
}
