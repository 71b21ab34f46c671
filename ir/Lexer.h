// Tokens of the IR text form (docs/ir.md), for the parser. The format is line-oriented, so line
// ends are tokens; comments (`#` to end of line) are dropped here. Every token keeps its line and
// column so that parse errors can say `file:line:col`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cnnc::ir {

struct Token {
    enum class Kind {
        value_name, // %x, text without the '%'
        graph_name, // @main, text without the '@'
        identifier, // conv2d, he_normal, true
        integer,    // -12 (text kept; the parser converts to the width the field needs)
        number,     // 0.5, 1e-05, inf, -inf, nan (anything not an integer)
        string,     // "a/b.npy", text unescaped
        punct,      // one of = ( ) { } [ ] , : ?
        newline,
        end,
    };
    Kind kind;
    std::string text;
    int line = 0, col = 0;

    bool is(char c) const { return kind == Kind::punct && text.size() == 1 && text[0] == c; }
    bool is_word(std::string_view w) const { return kind == Kind::identifier && text == w; }
};

// How a message refers to a token: `'{'`, `%x`, `'conv2d'`, `12`, `end of line`.
std::string describe(const Token &token);

// Splits `text` into tokens, ending with one `end` token. Throws CompileError
// (`file:line:col: ...`) on a character that starts no token or an unterminated string.
std::vector<Token> tokenize(std::string_view text, const std::string &filename);

// Whether a name can be written bare after `%` or `@`; others are written as a quoted string.
bool is_bare_name(std::string_view name);
// `"..."` with `"`, `\` and control characters escaped so that tokenize() reads back `text`.
std::string quote(std::string_view text);

} // namespace cnnc::ir
