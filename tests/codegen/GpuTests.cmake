# CUDA without a GPU: the PTX of every kernel of ResNet-50, MobileNet v2 and DenseNet-121 (full
# size, batch 1) assembled by ptxas for sm_80 and sm_90; SKIP (exit 77) without a CUDA toolkit.
foreach(model resnet50 mobilenet_v2 densenet121)
  add_test(NAME "cuda: ptxas assembles every ${model} kernel for sm_80 and sm_90"
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/codegen/check_ptx.sh $<TARGET_FILE:cnnc>
                   ${CMAKE_CURRENT_BINARY_DIR}/ptx-${model} zoo:${model} 80 sm_80 sm_90)
  set_tests_properties("cuda: ptxas assembles every ${model} kernel for sm_80 and sm_90"
                       PROPERTIES LABELS cuda SKIP_RETURN_CODE 77)
endforeach()
