# hw/runner/runner.cmake: the runner's sources, for the kernel (hw/) and
# the host (tools/) builds alike: include() it and compile
# ${EPTSIM_HWR_SOURCES} with the pmap's freestanding flags.
set(EPTSIM_HWR_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/hwr_fault.c
  ${CMAKE_CURRENT_LIST_DIR}/hwr_record.c
  ${CMAKE_CURRENT_LIST_DIR}/hwr_region.c
  ${CMAKE_CURRENT_LIST_DIR}/hwr_run.c)
