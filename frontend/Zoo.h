// The built-in model zoo: the architectures that shaped CNN design, one word away
// (`zoo:resnet50`, `zoo:mobilenet_v1?width=0.5&input=160`). Each entry is a C++ builder over
// ir::Graph with seeded, lazy weights; names follow torchvision's where it has the model, and
// weights are named as its state_dict keys.
//
// A reference is NAME, optionally followed by ?key=value&key=value. Every entry takes `input`
// (spatial size) and `classes`; some take more (`width`, `widths`). Unknown names, parameters
// and malformed values are CompileErrors of one line that say what is accepted.
#pragma once

#include "ir/Graph.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace cnnc::frontend {

struct ZooParam {
    enum class Kind { integer, real, real_list };
    std::string name;
    Kind kind;
    std::string default_value; // as the user would write it
    std::string help;
    size_t list_size = 0; // real_list: exactly this many values (0: any number)
};

// A reference's parameters after parsing and checking against the entry's declared ones;
// every declared parameter is present (its default if the user gave none).
class ZooArgs {
  public:
    int64_t integer(const std::string &name) const;
    double real(const std::string &name) const;
    std::vector<double> reals(const std::string &name) const;

    std::map<std::string, std::vector<double>> values;
};

struct ZooEntry {
    std::string name;
    std::string description; // one line
    std::vector<ZooParam> params;
    std::function<ir::Graph(const ZooArgs &)> build;
};

// Every model, in the order `cnnc zoo list` shows them.
const std::vector<ZooEntry> &zoo_entries();

// Builds the model a reference names ("resnet50", "mobilenet_v1?width=0.5"), without the
// "zoo:" prefix. Values are typed; the caller runs infer_shapes/verify as for any frontend.
ir::Graph build_zoo_model(const std::string &reference);

} // namespace cnnc::frontend
