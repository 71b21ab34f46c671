// The doctest entry point shared by every unit-test executable. ctest runs each case alone with
// --test-case=NAME; a filter that matches no case would "pass" having run nothing (a name with a
// ';' is split in two by ctest, and neither half matches), so that is a failure here.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <string>

namespace {

int cases_started = 0;

// A listener that only counts the test cases that start.
struct CaseCounter : doctest::IReporter {
    explicit CaseCounter(const doctest::ContextOptions &) {}
    void report_query(const doctest::QueryData &) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats &) override {}
    void test_case_start(const doctest::TestCaseData &) override { ++cases_started; }
    void test_case_reenter(const doctest::TestCaseData &) override {}
    void test_case_end(const doctest::CurrentTestCaseStats &) override {}
    void test_case_exception(const doctest::TestCaseException &) override {}
    void subcase_start(const doctest::SubcaseSignature &) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData &) override {}
    void log_message(const doctest::MessageData &) override {}
    void test_case_skipped(const doctest::TestCaseData &) override {}
};

} // namespace

REGISTER_LISTENER("case-counter", 1, CaseCounter);

int main(int argc, char **argv) {
    doctest::Context context(argc, argv);
    const int status = context.run();
    if (context.shouldExit()) return status;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool case_filter = arg.rfind("--test-case=", 0) == 0 || arg.rfind("-tc=", 0) == 0;
        if (case_filter && cases_started == 0) {
            std::fprintf(stderr, "no test case matches %s\n", arg.c_str());
            return 1;
        }
    }
    return status;
}
