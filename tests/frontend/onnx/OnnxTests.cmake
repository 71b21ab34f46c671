# ONNX frontend tests that need more than a doctest file (which sit in tests/frontend/ and are
# globbed into test_frontend): the backend-test conformance driver over Debian's
# libonnx-testdata, the exported-model fixtures compared through `cnnc eval`, and (with
# CNNC_FUZZ=ON) the libFuzzer targets. Included from tests/CMakeLists.txt; paths are relative to
# this file.
set(onnx_tests_dir ${CMAKE_CURRENT_LIST_DIR})
add_executable(onnx_conformance ${onnx_tests_dir}/conformance/OnnxConformance.cpp
               ${onnx_tests_dir}/conformance/ReferenceBackend.cpp)
target_include_directories(onnx_conformance PRIVATE ${CMAKE_CURRENT_LIST_DIR}/conformance)
target_link_libraries(onnx_conformance PRIVATE cnnc_frontend cnnc_onnx cnnc_reference cnnc_ir
                      CLI11::CLI11)

set(CNNC_ONNX_TESTDATA /usr/share/libonnx-testdata/data CACHE PATH
    "Debian libonnx-testdata's data folder (ONNX backend test cases)")
if(EXISTS ${CNNC_ONNX_TESTDATA}/node)
  add_test(NAME "onnx: conformance (reference)"
           COMMAND onnx_conformance ${CNNC_ONNX_TESTDATA}/node
                   ${CNNC_ONNX_TESTDATA}/pytorch-converted ${CNNC_ONNX_TESTDATA}/pytorch-operator
                   ${CNNC_ONNX_TESTDATA}/simple
                   --skip-list ${CMAKE_CURRENT_LIST_DIR}/conformance/skip_list.txt)
  set_tests_properties("onnx: conformance (reference)" PROPERTIES LABELS onnx TIMEOUT 300)
else()
  message(WARNING "libonnx-testdata not found at ${CNNC_ONNX_TESTDATA}: the ONNX conformance "
                  "test is not registered (apt-get install libonnx-testdata)")
endif()

# Exported-model fixtures (made by fixtures/make_fixtures.py from PyTorch), each compared with
# PyTorch's output through `cnnc eval`. Tolerance rtol 1e-4, atol 1e-5: float32 sums in a
# different order than PyTorch's kernels, over a few hundred terms per output.
add_executable(onnx_fixture_check ${onnx_tests_dir}/fixtures/FixtureCheck.cpp)
target_link_libraries(onnx_fixture_check PRIVATE cnnc_ir)
file(GLOB onnx_fixtures LIST_DIRECTORIES true ${onnx_tests_dir}/fixtures/*)
foreach(fixture ${onnx_fixtures})
  if(NOT EXISTS ${fixture}/model.onnx)
    continue()
  endif()
  get_filename_component(fixture_name ${fixture} NAME)
  set(extra_args)
  if(fixture_name STREQUAL "dense_block") # exported with a symbolic batch dim: bind it
    set(extra_args --input-shape input=1x16x12x12)
  endif()
  add_test(NAME "onnx: fixture ${fixture_name}"
           COMMAND onnx_fixture_check $<TARGET_FILE:cnnc> ${fixture}
                   ${CMAKE_CURRENT_BINARY_DIR}/onnx_fixtures 1e-4 1e-5 ${extra_args})
  set_tests_properties("onnx: fixture ${fixture_name}" PROPERTIES LABELS onnx)
endforeach()
