# eptsim compiler warnings.
#
# EPTSIM_WARNINGS holds the one warning list of the project (plus -Werror when
# EPTSIM_WERROR is ON), so that code which does not go through a target, e.g. a
# freestanding compile check run via add_custom_command, can reuse it.
# Targets get the same flags by linking the INTERFACE library eptsim_warnings:
#
#   target_link_libraries(foo PRIVATE eptsim_warnings)
include_guard(GLOBAL)

option(EPTSIM_WERROR "warnings are errors" OFF)

set(EPTSIM_WARNINGS
  -Wall
  -Wextra
  # Callbacks (pmap operation tables, cmocka's void **state) take
  # parameters they need not use, as in the BSD kernels this serves.
  -Wno-unused-parameter
  -Wshadow
  -Wmissing-prototypes
  -Wstrict-prototypes
  -Wmissing-declarations
  -Wpointer-arith
  -Wcast-qual
  -Wwrite-strings
  -Wundef
  -Wformat=2
  -Wvla
  -Werror=implicit-function-declaration
  -Werror=incompatible-pointer-types
  -Werror=int-conversion
)

if(EPTSIM_WERROR)
  list(APPEND EPTSIM_WARNINGS -Werror)
endif()

if(NOT TARGET eptsim_warnings)
  add_library(eptsim_warnings INTERFACE)
  target_compile_options(eptsim_warnings INTERFACE
    $<$<COMPILE_LANGUAGE:C>:${EPTSIM_WARNINGS}>)
endif()
