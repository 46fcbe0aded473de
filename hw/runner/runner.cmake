# hw/runner/runner.cmake: the runner's sources, for the kernel (hw/) and
# the host (tools/) builds alike: include() it, then compile
# ${EPTSIM_HWR_SOURCES} (absolute paths) with freestanding flags and
# define the backend (hw/runner/hwr_backend.h).  A plain variable, so a
# build links the runner only where it includes this file.
set(EPTSIM_HWR_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/hwr_fault.c
  ${CMAKE_CURRENT_LIST_DIR}/hwr_frames.c
  ${CMAKE_CURRENT_LIST_DIR}/hwr_record.c
  ${CMAKE_CURRENT_LIST_DIR}/hwr_region.c
  ${CMAKE_CURRENT_LIST_DIR}/hwr_run.c)
