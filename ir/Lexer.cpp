// The tokenizer of the IR text form. Names after `%` take the characters ONNX tensor names use
// ([A-Za-z0-9_.:/-]); anything else is written `%"..."`, so every name a frontend produces
// prints and parses back.
#include "ir/Lexer.h"

#include "ir/Error.h"

#include <fmt/format.h>

#include <cctype>

namespace cnnc::ir {

namespace {

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ':' ||
           c == '/' || c == '-';
}
bool is_ident_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_ident_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

class Lexer {
  public:
    Lexer(std::string_view text, const std::string &filename) : text_(text), filename_(filename) {}

    std::vector<Token> run() {
        std::vector<Token> tokens;
        while (true) {
            skip_blanks_and_comments();
            if (pos_ >= text_.size())
                break;
            tokens.push_back(next());
        }
        tokens.push_back(Token{Token::Kind::end, "", line_, col()});
        return tokens;
    }

  private:
    int col() const { return static_cast<int>(pos_ - line_start_) + 1; }
    char peek(size_t ahead = 0) const {
        return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
    }

    [[noreturn]] void fail(int line, int column, const std::string &message) const {
        user_error("{}:{}:{}: {}", filename_, line, column, message);
    }

    void skip_blanks_and_comments() {
        while (pos_ < text_.size()) {
            const char c = text_[pos_];
            if (c == ' ' || c == '\t' || c == '\r') {
                ++pos_;
            } else if (c == '#') {
                while (pos_ < text_.size() && text_[pos_] != '\n')
                    ++pos_;
            } else {
                break;
            }
        }
    }

    Token next() {
        const int line = line_, column = col();
        auto make = [&](Token::Kind kind, std::string text) {
            return Token{kind, std::move(text), line, column};
        };
        const char c = peek();
        if (c == '\n') {
            ++pos_;
            ++line_;
            line_start_ = pos_;
            return make(Token::Kind::newline, "");
        }
        if (c == '%' || c == '@') {
            ++pos_;
            const auto kind = c == '%' ? Token::Kind::value_name : Token::Kind::graph_name;
            if (peek() == '"')
                return make(kind, string_body(line, column));
            const size_t start = pos_;
            while (pos_ < text_.size() && is_name_char(text_[pos_]))
                ++pos_;
            if (pos_ == start)
                fail(line, column,
                     fmt::format("expected a name after '{}', found {}", c,
                                 peek() == '\n' || !peek() ? "end of line"
                                                           : fmt::format("'{}'", peek())));
            return make(kind, std::string(text_.substr(start, pos_ - start)));
        }
        if (c == '"')
            return make(Token::Kind::string, string_body(line, column));
        if (is_digit(c) || (c == '-' && (is_digit(peek(1)) || is_ident_start(peek(1)))))
            return number(line, column);
        if (is_ident_start(c)) {
            const size_t start = pos_;
            while (pos_ < text_.size() && is_ident_char(text_[pos_]))
                ++pos_;
            std::string word(text_.substr(start, pos_ - start));
            // fmt prints infinite and NaN doubles as inf / nan; read them back as numbers.
            if (word == "inf" || word == "nan")
                return make(Token::Kind::number, word);
            return make(Token::Kind::identifier, word);
        }
        if (std::string_view("=(){}[],:?").find(c) != std::string_view::npos) {
            ++pos_;
            return make(Token::Kind::punct, std::string(1, c));
        }
        fail(line, column, fmt::format("unexpected character '{}'", c));
    }

    Token number(int line, int column) {
        const size_t start = pos_;
        if (peek() == '-')
            ++pos_;
        if (is_ident_start(peek())) {
            // Only -inf may follow a minus sign as a word.
            const size_t word_start = pos_;
            while (pos_ < text_.size() && is_ident_char(text_[pos_]))
                ++pos_;
            if (text_.substr(word_start, pos_ - word_start) != "inf")
                fail(line, column,
                     fmt::format("expected a number after '-', found '{}'",
                                 text_.substr(word_start, pos_ - word_start)));
            return Token{Token::Kind::number, "-inf", line, column};
        }
        bool integer = true;
        while (is_digit(peek()))
            ++pos_;
        if (peek() == '.' && is_digit(peek(1))) {
            integer = false;
            ++pos_;
            while (is_digit(peek()))
                ++pos_;
        }
        if ((peek() == 'e' || peek() == 'E') &&
            (is_digit(peek(1)) || ((peek(1) == '-' || peek(1) == '+') && is_digit(peek(2))))) {
            integer = false;
            pos_ += 2;
            while (is_digit(peek()))
                ++pos_;
        }
        if (is_ident_char(peek()) || peek() == '.')
            fail(line, column,
                 fmt::format("malformed number '{}{}'", text_.substr(start, pos_ - start), peek()));
        return Token{integer ? Token::Kind::integer : Token::Kind::number,
                     std::string(text_.substr(start, pos_ - start)), line, column};
    }

    // Reads a quoted string starting at the opening quote; returns its unescaped contents.
    std::string string_body(int line, int column) {
        ++pos_; // opening quote
        std::string result;
        while (true) {
            if (pos_ >= text_.size() || text_[pos_] == '\n')
                fail(line, column, "unterminated string: expected a closing '\"' on this line");
            const char c = text_[pos_++];
            if (c == '"')
                return result;
            if (c != '\\') {
                result.push_back(c);
                continue;
            }
            const char escaped = peek();
            ++pos_;
            switch (escaped) {
            case '"':
                result.push_back('"');
                break;
            case '\\':
                result.push_back('\\');
                break;
            case 'n':
                result.push_back('\n');
                break;
            case 't':
                result.push_back('\t');
                break;
            case 'x': {
                const std::string hex(text_.substr(pos_, 2));
                if (hex.size() != 2 || !std::isxdigit(static_cast<unsigned char>(hex[0])) ||
                    !std::isxdigit(static_cast<unsigned char>(hex[1])))
                    fail(line_, col(), "expected two hex digits after '\\x'");
                result.push_back(static_cast<char>(std::stoi(hex, nullptr, 16)));
                pos_ += 2;
                break;
            }
            default:
                fail(
                    line_, col() - 2,
                    fmt::format("unknown escape '\\{}' (known: \\\" \\\\ \\n \\t \\xHH)", escaped));
            }
        }
    }

    std::string_view text_;
    const std::string &filename_;
    size_t pos_ = 0, line_start_ = 0;
    int line_ = 1;
};

} // namespace

std::string describe(const Token &token) {
    switch (token.kind) {
    case Token::Kind::value_name:
        return "%" + token.text;
    case Token::Kind::graph_name:
        return "@" + token.text;
    case Token::Kind::identifier:
    case Token::Kind::punct:
        return fmt::format("'{}'", token.text);
    case Token::Kind::integer:
    case Token::Kind::number:
        return token.text;
    case Token::Kind::string:
        return quote(token.text);
    case Token::Kind::newline:
        return "end of line";
    case Token::Kind::end:
        return "end of file";
    }
    return token.text;
}

std::vector<Token> tokenize(std::string_view text, const std::string &filename) {
    return Lexer(text, filename).run();
}

bool is_bare_name(std::string_view name) {
    if (name.empty())
        return false;
    for (char c : name)
        if (!is_name_char(c))
            return false;
    return true;
}

std::string quote(std::string_view text) {
    std::string result = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\') {
            result.push_back('\\');
            result.push_back(c);
        } else if (c == '\n') {
            result += "\\n";
        } else if (c == '\t') {
            result += "\\t";
        } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            result += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        } else {
            result.push_back(c);
        }
    }
    return result + "\"";
}

} // namespace cnnc::ir
