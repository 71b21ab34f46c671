// The parser of the IR text form (grammar: docs/ir.md). It reads a file in three steps:
//  1. each line into a record, with its op kind and typed attributes checked on the spot, so
//     syntax and attribute errors come in file order with the exact column;
//  2. every operand checked against the set of names the file defines (values may be used
//     before their line, so this needs the whole file);
//  3. the graph built in file order: sugar ops get their weight constants (which needs the
//     operand's type, hence typing each op as soon as its operands are typed), and operands
//     that refer forward are patched in once every op exists.
// Attributes go through each struct's fields() walker, so a new field needs no change here.
#include "ir/Parser.h"

#include "ir/Error.h"
#include "ir/FileIO.h"
#include "ir/Lexer.h"
#include "ir/Npy.h"
#include "ir/ShapeInference.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unordered_map>

namespace cnnc::ir {

namespace {

struct Loc {
    int line = 0, col = 0;
};

// An attribute value as written; converted to a field's C++ type by FieldReader.
struct AttrValue {
    Token token;                  // the scalar, or the '[' of a list
    std::vector<AttrValue> items; // list elements
    bool is_list() const { return token.is('['); }
};

struct AttrEntry {
    std::string name;
    Loc loc;
    AttrValue value;
};

struct NameRef {
    std::string name;
    Loc loc;
};

// What a sugar line (operands left out) asks the parser to create.
struct Sugar {
    bool active = false;
    int64_t out = 0;
    bool bias = false;
};

// A constant line's payload, before the graph exists.
struct ConstantSpec {
    std::optional<Initializer> init;
    std::vector<float> values; // inline value=[...]
    bool has_values = false;
    std::optional<Tensor> file_data; // data="x.npy"
};

struct Line {
    Loc loc;
    std::vector<NameRef> results;
    OpKind kind = OpKind::identity;
    Loc op_loc;
    std::vector<NameRef> operands;
    Attrs attrs;
    Sugar sugar;
    ConstantSpec constant;
    OpPlan plan;
    std::vector<std::optional<TensorType>> types; // empty when the line has no ':'
};

bool parse_int64(const std::string &text, int64_t &out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

template <class Float> bool parse_float(const std::string &text, Float &out) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

std::string field_names(const Attrs &attrs) {
    std::vector<std::string> names;
    std::visit(
        [&](const auto &a) {
            a.fields(a, [&](const char *name, const auto &) { names.push_back(name); });
        },
        attrs);
    return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "));
}

class Parser {
  public:
    Parser(std::string_view text, const std::string &filename)
        : tokens_(tokenize(text, filename)), filename_(filename) {}

    Graph run() {
        while (!peek_is_end())
            parse_line();
        if (!return_loc_)
            fail(tokens_.back(), "expected a 'return' line listing the graph outputs, found none");
        check_uses();
        return build();
    }

  private:
    // --- errors and tokens -------------------------------------------------------------------
    [[noreturn]] void fail(Loc loc, const std::string &message) const {
        user_error("{}:{}:{}: {}", filename_, loc.line, loc.col, message);
    }
    [[noreturn]] void fail(const Token &token, const std::string &message) const {
        fail(Loc{token.line, token.col}, message);
    }
    static Loc loc_of(const Token &t) { return Loc{t.line, t.col}; }
    std::string origin(Loc loc) const {
        return fmt::format("{}:{}:{}", filename_, loc.line, loc.col);
    }

    const Token &peek() const { return tokens_[pos_]; }
    bool peek_is_end() const { return peek().kind == Token::Kind::end; }
    const Token &take() {
        const Token &t = tokens_[pos_];
        if (t.kind != Token::Kind::end)
            ++pos_;
        return t;
    }
    bool accept(char c) {
        if (!peek().is(c))
            return false;
        take();
        return true;
    }
    void expect(char c, std::string_view context) {
        if (!accept(c))
            fail(peek(), fmt::format("expected '{}' {}, found {}", c, context, describe(peek())));
    }
    void expect_line_end() {
        const Token &t = peek();
        if (t.kind != Token::Kind::newline && t.kind != Token::Kind::end)
            fail(t, fmt::format("expected end of line, found {}", describe(t)));
        take();
    }
    NameRef value_name(std::string_view context) {
        const Token &t = peek();
        if (t.kind != Token::Kind::value_name)
            fail(t,
                 fmt::format("expected a value name like %x {}, found {}", context, describe(t)));
        take();
        return NameRef{t.text, loc_of(t)};
    }

    // --- step 1: lines -----------------------------------------------------------------------
    void parse_line() {
        const Token &first = peek();
        if (first.kind == Token::Kind::newline) {
            take();
        } else if (first.is_word("graph")) {
            take();
            if (!lines_.empty())
                fail(first, "the 'graph' header must come before the first op");
            if (header_loc_)
                fail(first,
                     fmt::format("second 'graph' header (first at line {})", header_loc_->line));
            header_loc_ = loc_of(first);
            const Token &name = peek();
            if (name.kind != Token::Kind::graph_name)
                fail(name, fmt::format("expected a graph name like @main after 'graph', found {}",
                                       describe(name)));
            graph_name_ = take().text;
            expect_line_end();
        } else if (first.is_word("return")) {
            take();
            if (return_loc_)
                fail(first,
                     fmt::format("second 'return' line (first at line {})", return_loc_->line));
            return_loc_ = loc_of(first);
            if (peek().kind != Token::Kind::newline && peek().kind != Token::Kind::end) {
                do
                    returns_.push_back(value_name("after 'return'"));
                while (accept(','));
            }
            expect_line_end();
        } else if (first.kind == Token::Kind::value_name) {
            parse_op_line();
        } else {
            fail(first, fmt::format("expected a line like '%x = relu(%y)', 'graph @name' or "
                                    "'return %x', found {}",
                                    describe(first)));
        }
    }

    void parse_op_line() {
        Line line;
        line.loc = loc_of(peek());
        do
            line.results.push_back(value_name("as a result"));
        while (accept(','));
        expect('=', "after the result names");

        const Token &op_token = peek();
        if (op_token.kind != Token::Kind::identifier)
            fail(op_token,
                 fmt::format("expected an op name after '=', found {}", describe(op_token)));
        take();
        line.op_loc = loc_of(op_token);
        const bool relu6 = op_token.text == "relu6";
        const auto kind = relu6 ? std::optional(OpKind::clip) : parse_op_kind(op_token.text);
        if (!kind)
            fail(op_token, fmt::format("unknown op '{}' (known: {})", op_token.text, known_ops()));
        line.kind = *kind;
        line.attrs = default_attrs(line.kind);

        expect('(', fmt::format("after '{}'", op_token.text));
        if (!peek().is(')')) {
            do
                line.operands.push_back(value_name("as an operand"));
            while (accept(','));
        }
        expect(')', "after operands");

        std::vector<AttrEntry> entries;
        if (accept('{')) {
            if (!peek().is('}')) {
                do
                    entries.push_back(attr_entry(entries));
                while (accept(','));
            }
            expect('}', "after attributes");
        }
        if (accept(':')) {
            do
                line.types.push_back(type());
            while (accept(','));
            if (line.types.size() != line.results.size())
                fail(line.op_loc,
                     fmt::format("the line names {} results but gives {} types after ':'",
                                 line.results.size(), line.types.size()));
            // The plan the late passes recorded (OpPlan in ir/Graph.h).
            if (accept('{')) {
                std::vector<AttrEntry> plan_entries;
                if (!peek().is('}')) {
                    do
                        plan_entries.push_back(attr_entry(plan_entries));
                    while (accept(','));
                }
                expect('}', "after the plan");
                plan_fields(line, plan_entries);
            }
        }
        expect_line_end();

        if (relu6) {
            if (!entries.empty())
                fail(entries[0].loc,
                     fmt::format("unknown attribute '{}' for relu6 (valid: none; it "
                                 "means clip {{min=0, max=6}})",
                                 entries[0].name));
            line.attrs = ClipAttrs{0, 6};
        } else if (line.kind == OpKind::constant) {
            constant_attrs(line, entries);
        } else {
            op_attrs(line, op_token.text, entries);
        }
        check_counts(line, op_token.text);
        define(line);
        lines_.push_back(std::move(line));
    }

    AttrEntry attr_entry(const std::vector<AttrEntry> &earlier) {
        const Token &name = peek();
        if (name.kind != Token::Kind::identifier)
            fail(name, fmt::format("expected an attribute name, found {}", describe(name)));
        take();
        for (const auto &e : earlier)
            if (e.name == name.text)
                fail(name, fmt::format("attribute '{}' is given twice (first at column {})",
                                       name.text, e.loc.col));
        expect('=', fmt::format("after attribute name '{}'", name.text));
        return AttrEntry{name.text, loc_of(name), attr_value()};
    }

    AttrValue attr_value() {
        const Token &t = peek();
        switch (t.kind) {
        case Token::Kind::integer:
        case Token::Kind::number:
        case Token::Kind::identifier:
        case Token::Kind::string:
            take();
            return AttrValue{t, {}};
        default:
            break;
        }
        if (!t.is('['))
            fail(t, fmt::format("expected an attribute value (number, name, \"string\" or [list]), "
                                "found {}",
                                describe(t)));
        AttrValue list{take(), {}};
        if (!peek().is(']')) {
            do
                list.items.push_back(attr_value());
            while (accept(','));
        }
        expect(']', "to close the list");
        return list;
    }

    std::optional<TensorType> type() {
        const Token &t = peek();
        if (accept('?'))
            return std::nullopt;
        if (t.kind != Token::Kind::identifier)
            fail(t, fmt::format("expected a type like f32[1,3,224,224], found {}", describe(t)));
        take();
        const auto dtype = parse_dtype(t.text);
        if (!dtype)
            fail(t, fmt::format("unknown dtype '{}' (known: f32, f16, i8, i32, i64)", t.text));
        TensorType result{*dtype, {}};
        expect('[', fmt::format("after dtype '{}'", t.text));
        if (!peek().is(']')) {
            do {
                const Token &d = peek();
                int64_t dim = -1;
                if (d.kind != Token::Kind::integer || !parse_int64(d.text, dim) || dim < 0)
                    fail(d, fmt::format("expected a dimension (an integer >= 0), found {}",
                                        describe(d)));
                take();
                result.dims.push_back(dim);
            } while (accept(','));
        }
        expect(']', "to close the dims");
        return result;
    }

    // --- attributes --------------------------------------------------------------------------
    // Converts one written value into a field of the C++ type the struct declares.
    struct FieldReader {
        const Parser &p;
        std::string_view op;
        const AttrEntry &entry;

        [[noreturn]] void wrong(const AttrValue &v, std::string_view expected) const {
            p.fail(loc_of(v.token), fmt::format("attribute '{}' of {} expects {}, found {}",
                                                entry.name, op, expected, describe_value(v)));
        }
        static std::string describe_value(const AttrValue &v) {
            return v.is_list() ? fmt::format("a list of {} values", v.items.size())
                               : describe(v.token);
        }
        int64_t integer(const AttrValue &v, std::string_view expected) const {
            int64_t x = 0;
            if (v.token.kind != Token::Kind::integer)
                wrong(v, expected);
            if (!parse_int64(v.token.text, x))
                wrong(v, "an integer that fits in 64 bits");
            return x;
        }
        double number(const AttrValue &v, std::string_view expected) const {
            double x = 0;
            if (v.token.kind != Token::Kind::integer && v.token.kind != Token::Kind::number)
                wrong(v, expected);
            if (!parse_float(v.token.text, x))
                wrong(v, "a number in double range");
            return x;
        }
        const std::vector<AttrValue> &list(const AttrValue &v, std::string_view expected) const {
            if (!v.is_list())
                wrong(v, expected);
            return v.items;
        }

        void read(const AttrValue &v, int64_t &out) const { out = integer(v, "an integer"); }
        void read(const AttrValue &v, double &out) const { out = number(v, "a number"); }
        void read(const AttrValue &v, bool &out) const {
            if (!v.token.is_word("true") && !v.token.is_word("false"))
                wrong(v, "true or false");
            out = v.token.text == "true";
        }
        void read(const AttrValue &v, std::string &out) const {
            if (v.token.kind != Token::Kind::identifier && v.token.kind != Token::Kind::string)
                wrong(v, "a name or a \"string\"");
            out = v.token.text;
        }
        template <size_t N> void read(const AttrValue &v, std::array<int64_t, N> &out) const {
            const std::string expected = fmt::format("a list of {} integers", N);
            const auto &items = list(v, expected);
            if (items.size() != N)
                wrong(v, expected);
            for (size_t i = 0; i < N; ++i)
                out[i] = integer(items[i], expected);
        }
        void read(const AttrValue &v, std::vector<int64_t> &out) const {
            out.clear();
            for (const auto &item : list(v, "a list of integers"))
                out.push_back(integer(item, "a list of integers"));
        }
        void read(const AttrValue &v, std::vector<double> &out) const {
            out.clear();
            for (const auto &item : list(v, "a list of numbers"))
                out.push_back(number(item, "a list of numbers"));
        }
    };

    void plan_fields(Line &line, const std::vector<AttrEntry> &entries) {
        for (const auto &entry : entries) {
            bool found = false;
            OpPlan::fields(line.plan, [&](const char *name, auto &field) {
                if (entry.name != name)
                    return;
                found = true;
                FieldReader{*this, "the plan", entry}.read(entry.value, field);
            });
            if (!found)
                fail(entry.loc, fmt::format("unknown plan entry '{}' (valid: group, branch, "
                                            "layout, offset, in_place)",
                                            entry.name));
            // The layouts code generation knows (OpPlan::layout); anything else is a typo.
            if (entry.name == "layout" && line.plan.layout != "nhwc" && line.plan.layout != "c")
                fail(entry.loc, fmt::format("unknown layout '{}' (valid: nhwc, c)",
                                            line.plan.layout));
        }
        if (!line.plan.offset.empty() && line.plan.offset.size() != line.results.size())
            fail(line.op_loc, fmt::format("the plan gives {} offsets for {} results",
                                          line.plan.offset.size(), line.results.size()));
    }

    static bool takes_weight_sugar(OpKind kind) {
        return kind == OpKind::conv2d || kind == OpKind::conv_transpose || kind == OpKind::gemm;
    }

    void op_attrs(Line &line, std::string_view op, const std::vector<AttrEntry> &entries) {
        const bool sugar_keys = takes_weight_sugar(line.kind);
        const AttrEntry *out = nullptr, *bias = nullptr;
        for (const auto &entry : entries) {
            if (sugar_keys && entry.name == "out") {
                out = &entry;
                continue;
            }
            if (sugar_keys && entry.name == "bias") {
                bias = &entry;
                continue;
            }
            bool found = false;
            std::visit(
                [&](auto &attrs) {
                    attrs.fields(attrs, [&](const char *name, auto &field) {
                        if (entry.name != name)
                            return;
                        found = true;
                        FieldReader{*this, op, entry}.read(entry.value, field);
                    });
                },
                line.attrs);
            if (!found)
                fail(
                    entry.loc,
                    fmt::format("unknown attribute '{}' for {} (valid: {}{})", entry.name, op,
                                field_names(line.attrs),
                                sugar_keys ? "; and out, bias when the weights are left out" : ""));
        }

        const bool one_operand = line.operands.size() == 1;
        if (line.kind == OpKind::batch_norm && one_operand)
            line.sugar.active = true;
        if (!sugar_keys)
            return;
        if (out && !one_operand)
            fail(out->loc, fmt::format("'out' asks for created weights, so {} takes only its input "
                                       "operand; found {} operands",
                                       op, line.operands.size()));
        if (bias && !out)
            fail(bias->loc, "'bias' only applies together with out=N");
        if (!out)
            return;
        line.sugar.active = true;
        line.sugar.out = FieldReader{*this, op, *out}.integer(out->value, "a positive integer");
        if (line.sugar.out <= 0)
            FieldReader{*this, op, *out}.wrong(out->value, "a positive integer");
        line.sugar.bias = line.kind == OpKind::gemm; // nn.Linear has a bias by default; convs not
        if (bias)
            FieldReader{*this, op, *bias}.read(bias->value, line.sugar.bias);
        if (line.kind == OpKind::gemm)
            std::get<GemmAttrs>(line.attrs).trans_b = true;
    }

    void constant_attrs(Line &line, const std::vector<AttrEntry> &entries) {
        ConstantSpec &spec = line.constant;
        const AttrEntry *data = nullptr;
        std::map<std::string, const AttrEntry *> given;
        Initializer init;
        for (const auto &entry : entries) {
            FieldReader reader{*this, "constant", entry};
            given[entry.name] = &entry;
            if (entry.name == "init") {
                std::string kind;
                reader.read(entry.value, kind);
                const auto parsed = parse_initializer_kind(kind);
                if (!parsed)
                    fail(loc_of(entry.value.token),
                         fmt::format("unknown initializer '{}' (known: he_normal, uniform, fill)",
                                     kind));
                init.kind = *parsed;
                spec.init = init;
            } else if (entry.name == "seed") {
                const auto &text = entry.value.token.text;
                const auto [end, ec] =
                    std::from_chars(text.data(), text.data() + text.size(), init.seed);
                if (entry.value.token.kind != Token::Kind::integer || ec != std::errc() ||
                    end != text.data() + text.size())
                    reader.wrong(entry.value, "an integer from 0 to 2^64-1");
            } else if (entry.name == "lo") {
                reader.read(entry.value, init.lo);
            } else if (entry.name == "hi") {
                reader.read(entry.value, init.hi);
            } else if (entry.name == "value") {
                if (entry.value.is_list()) {
                    spec.has_values = true;
                    for (const auto &item : entry.value.items) {
                        float x = 0;
                        if ((item.token.kind != Token::Kind::integer &&
                             item.token.kind != Token::Kind::number) ||
                            !parse_float(item.token.text, x))
                            reader.wrong(item, "a list of numbers");
                        spec.values.push_back(x);
                    }
                } else {
                    reader.read(entry.value, init.value);
                }
            } else if (entry.name == "data") {
                if (entry.value.token.is_word("elided"))
                    fail(loc_of(entry.value.token),
                         "data=elided: this dump was printed without a weights folder, so the "
                         "weights "
                         "are not in it; print it to a file with -o FILE to get them");
                if (entry.value.token.kind != Token::Kind::string)
                    reader.wrong(entry.value, "a quoted .npy path");
                data = &entry;
            } else {
                fail(entry.loc,
                     fmt::format("unknown attribute '{}' for constant (valid: init, seed, "
                                 "lo, hi, value, data)",
                                 entry.name));
            }
        }
        if (!spec.init)
            for (const char *key : {"seed", "lo", "hi", "value"})
                if (given.count(key) && !(std::string_view(key) == "value" && spec.has_values))
                    fail(given[key]->loc,
                         fmt::format("'{}' only applies with init=...; inline values "
                                     "are written value=[...]",
                                     key));
        const int sources = (spec.init ? 1 : 0) + (spec.has_values ? 1 : 0) + (data ? 1 : 0);
        if (sources == 0)
            fail(line.op_loc,
                 "constant needs its values: init=he_normal|uniform|fill, value=[...] or "
                 "data=\"file.npy\"");
        if (sources > 1)
            fail(line.op_loc, "constant takes only one of init=, value=[...] and data=");
        if (spec.init)
            spec.init = init; // with the seed, lo, hi, value read after init=

        const std::optional<TensorType> declared =
            line.types.empty() ? std::nullopt : line.types[0];
        if (spec.init && !declared)
            fail(line.op_loc, "constant with init= needs a type: add ': f32[...]' to the line");
        if (spec.has_values) {
            const auto count = static_cast<int64_t>(spec.values.size());
            if (declared && declared->num_elements() != count)
                fail(given["value"]->loc,
                     fmt::format("value= lists {} numbers but the type {} holds {}", count,
                                 to_string(*declared), declared->num_elements()));
            if (!declared)
                line.types = {TensorType{DType::f32, {count}}};
        }
        if (data) {
            const std::filesystem::path written(data->value.token.text);
            const auto path = written.is_absolute()
                                  ? written
                                  : std::filesystem::path(filename_).parent_path() / written;
            try {
                spec.file_data = read_npy(path.string());
            } catch (const CompileError &e) {
                fail(loc_of(data->value.token), fmt::format("cannot load data: {}", e.what()));
            }
            if (declared && *declared != spec.file_data->type)
                fail(loc_of(data->value.token),
                     fmt::format("{} holds {}, but the line declares {}", written.string(),
                                 to_string(spec.file_data->type), to_string(*declared)));
            if (!declared)
                line.types = {spec.file_data->type};
        }
    }

    void check_counts(const Line &line, std::string_view op) const {
        const int n = static_cast<int>(line.operands.size());
        const int lo = min_inputs(line.kind), hi = max_inputs(line.kind);
        if (!line.sugar.active && (n < lo || (hi >= 0 && n > hi))) {
            std::string takes = hi < 0
                                    ? fmt::format("at least {} operand{}", lo, lo == 1 ? "" : "s")
                                : lo == hi ? fmt::format("{} operand{}", lo, lo == 1 ? "" : "s")
                                           : fmt::format("{} to {} operands", lo, hi);
            const std::string hint = takes_weight_sugar(line.kind) && n == 1
                                         ? " (or give out=N to create the weights)"
                                         : "";
            fail(line.op_loc, fmt::format("{} takes {}, got {}{}", op, takes, n, hint));
        }
        const size_t results =
            line.kind == OpKind::split ? std::get<SplitAttrs>(line.attrs).sizes.size() : 1;
        if (line.results.size() != results)
            fail(line.op_loc,
                 fmt::format("{} makes {} result{}{}, the line names {}", op, results,
                             results == 1 ? "" : "s",
                             line.kind == OpKind::split ? " (one per entry of sizes)" : "",
                             line.results.size()));
        if (line.kind == OpKind::input && (line.types.empty() || !line.types[0]))
            fail(line.op_loc, fmt::format("input %{} needs a type: add ': f32[...]' to the line",
                                          line.results[0].name));
    }

    // Records the names a line defines, including the weights its sugar will create.
    void define(const Line &line) {
        auto add = [&](const std::string &name, Loc loc) {
            const auto [it, inserted] = defined_.emplace(name, loc);
            if (!inserted)
                fail(loc,
                     fmt::format("%{} is defined twice (first at line {})", name, it->second.line));
        };
        for (const auto &r : line.results)
            add(r.name, r.loc);
        for (const auto &suffix : sugar_suffixes(line))
            add(line.results[0].name + suffix, line.loc);
    }

    static std::vector<std::string> sugar_suffixes(const Line &line) {
        if (!line.sugar.active)
            return {};
        if (line.kind == OpKind::batch_norm)
            return {".scale", ".bias", ".mean", ".var"};
        if (line.sugar.bias)
            return {".w", ".b"};
        return {".w"};
    }

    static std::string known_ops() {
        static constexpr OpKind kinds[] = {
#define CNNC_OP(id, name, attrs, min_in, max_in) OpKind::id,
#include "ir/Ops.def"
#undef CNNC_OP
        };
        std::vector<std::string_view> names;
        for (OpKind k : kinds)
            names.push_back(op_name(k));
        names.push_back("relu6");
        return fmt::format("{}", fmt::join(names, ", "));
    }

    // --- step 2: uses ------------------------------------------------------------------------
    void check_uses() const {
        auto check = [&](const NameRef &use) {
            if (!defined_.count(use.name))
                fail(use.loc, fmt::format("use of undefined value %{}", use.name));
        };
        for (const auto &line : lines_)
            for (const auto &operand : line.operands)
                check(operand);
        for (const auto &r : returns_)
            check(r);
    }

    // --- step 3: the graph -------------------------------------------------------------------
    Graph build() {
        Graph g;
        g.name = graph_name_;
        struct Fixup {
            OpId op;
            size_t index;
            std::string name;
        };
        std::vector<Fixup> fixups;
        for (auto &line : lines_) {
            const std::string where = origin(line.loc);
            const std::string &result = line.results[0].name;
            if (line.kind == OpKind::input) {
                g.add_input(result, *line.types[0], where);
                g.ops().back().plan = line.plan;
                continue;
            }
            if (line.kind == OpKind::constant) {
                const TensorType type = *line.types[0];
                auto data =
                    line.constant.init ? ConstantData::from_init(type, *line.constant.init)
                    : line.constant.has_values
                        ? ConstantData::from_values(type, std::move(line.constant.values))
                        : ConstantData::from_values(type, std::move(line.constant.file_data->data));
                g.add_constant(result, std::move(data), where);
                g.ops().back().plan = line.plan;
                continue;
            }
            std::vector<ValueId> inputs;
            if (line.sugar.active)
                inputs = create_weights(g, line, where);
            else
                for (size_t i = 0; i < line.operands.size(); ++i) {
                    const auto id = g.find_value(line.operands[i].name);
                    if (!id)
                        fixups.push_back(
                            Fixup{static_cast<OpId>(g.ops().size()), i, line.operands[i].name});
                    inputs.push_back(id.value_or(-1));
                }
            std::vector<std::string> names;
            for (const auto &r : line.results)
                names.push_back(r.name);
            const auto outputs = g.add_op(line.kind, inputs, line.attrs, names, where);
            g.ops().back().plan = line.plan;
            bool all_declared = !line.types.empty();
            for (size_t i = 0; i < line.types.size(); ++i) {
                g.value(outputs[i]).type = line.types[i];
                all_declared = all_declared && line.types[i].has_value();
            }
            bool operands_typed = true;
            for (ValueId id : inputs)
                operands_typed = operands_typed && id >= 0 && g.value(id).type;
            if (all_declared || !operands_typed)
                continue;
            const auto types = infer_op_types(g, g.ops().back());
            for (size_t i = 0; i < outputs.size() && i < types.size(); ++i)
                if (!g.value(outputs[i]).type)
                    g.value(outputs[i]).type = types[i];
        }
        for (const auto &f : fixups)
            g.op(f.op).inputs[f.index] = *g.find_value(f.name);
        std::vector<ValueId> outputs;
        for (const auto &r : returns_)
            outputs.push_back(*g.find_value(r.name));
        g.set_outputs(std::move(outputs));
        return g;
    }

    // The constants a sugar line leaves out, added just before its op; returns its operands.
    std::vector<ValueId> create_weights(Graph &g, const Line &line, const std::string &where) {
        const NameRef &x = line.operands[0];
        const std::string op(op_name(line.kind));
        const auto id = g.find_value(x.name);
        if (!id || !g.value(*id).type)
            fail(x.loc, fmt::format("{} without weight operands needs the type of %{}; define %{} "
                                    "before this line",
                                    op, x.name, x.name));
        // A copy: adding constants below grows the value table.
        const TensorType in = *g.value(*id).type;
        const std::string &result = line.results[0].name;
        std::vector<ValueId> inputs{*id};
        auto add = [&](std::string_view suffix, Dims dims, Initializer init) {
            const std::string name = result + std::string(suffix);
            init.seed = seed_from_name(graph_name_ + "/" + name);
            inputs.push_back(g.add_constant(
                name, ConstantData::from_init(TensorType{in.dtype, std::move(dims)}, init), where));
        };
        auto uniform = [](double lo, double hi) {
            Initializer init;
            init.kind = Initializer::Kind::uniform;
            init.lo = lo, init.hi = hi;
            return init;
        };
        Initializer he;
        he.kind = Initializer::Kind::he_normal;
        const int64_t out = line.sugar.out;
        auto need_rank = [&](int64_t rank) {
            if (in.rank() != rank)
                fail(x.loc, fmt::format("{} without weight operands needs a {}-D input; %{} is {}",
                                        op, rank, x.name, to_string(in)));
        };
        switch (line.kind) {
        case OpKind::conv2d:
        case OpKind::conv_transpose: {
            need_rank(4);
            const bool transposed = line.kind == OpKind::conv_transpose;
            const auto &a = line.attrs;
            const Hw kernel = transposed ? std::get<ConvTransposeAttrs>(a).kernel
                                         : std::get<Conv2DAttrs>(a).kernel;
            const int64_t groups = transposed ? std::get<ConvTransposeAttrs>(a).groups
                                              : std::get<Conv2DAttrs>(a).groups;
            const int64_t c_in = in.dims[1];
            if (groups <= 0 || c_in % groups != 0 || out % groups != 0)
                fail(line.op_loc,
                     fmt::format("groups={} must divide the {} input channels of %{} and out={}",
                                 groups, c_in, x.name, out));
            add(".w",
                transposed ? Dims{c_in, out / groups, kernel[0], kernel[1]}
                           : Dims{out, c_in / groups, kernel[0], kernel[1]},
                he);
            if (line.sugar.bias)
                add(".b", {out}, uniform(-0.1, 0.1));
            break;
        }
        case OpKind::gemm: {
            need_rank(2);
            const int64_t k = std::get<GemmAttrs>(line.attrs).trans_a ? in.dims[0] : in.dims[1];
            add(".w", {out, k}, he);
            if (line.sugar.bias)
                add(".b", {out}, uniform(-0.1, 0.1));
            break;
        }
        case OpKind::batch_norm: {
            if (in.rank() < 2)
                fail(x.loc, fmt::format("batch_norm without parameter operands needs an input with "
                                        "channels (rank >= 2); %{} is {}",
                                        x.name, to_string(in)));
            const int64_t c = in.dims[1];
            add(".scale", {c}, uniform(0.5, 1.5));
            add(".bias", {c}, uniform(-0.5, 0.5));
            add(".mean", {c}, uniform(-0.5, 0.5));
            add(".var", {c}, uniform(0.5, 1.5));
            break;
        }
        default:
            internal_assert(false, "no weight sugar for {}", op);
        }
        return inputs;
    }

    std::vector<Token> tokens_;
    size_t pos_ = 0;
    std::string filename_;
    std::string graph_name_ = "main";
    std::optional<Loc> header_loc_, return_loc_;
    std::vector<NameRef> returns_;
    std::vector<Line> lines_;
    std::unordered_map<std::string, Loc> defined_;
};

} // namespace

Graph parse(std::string_view text, const std::string &filename) {
    return Parser(text, filename).run();
}

Graph parse_file(const std::string &path) { return parse(read_file(path), path); }

} // namespace cnnc::ir
