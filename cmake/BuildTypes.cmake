# eptsim build types.
#
# Besides the standard ones, two extra build types are provided:
#   Asan      AddressSanitizer + UndefinedBehaviorSanitizer, no recovery
#   Coverage  gcov instrumentation, no optimisation (for gcovr reports)
# With a single-config generator and no CMAKE_BUILD_TYPE given, the default is
# RelWithDebInfo.
include_guard(GLOBAL)

set(EPTSIM_BUILD_TYPES Debug Release RelWithDebInfo MinSizeRel Asan Coverage)

set(_eptsim_asan_flags
  "-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all")
set(_eptsim_asan_link "${_eptsim_asan_flags}")
set(_eptsim_cov_flags "-O0 -g --coverage")
set(_eptsim_cov_link "${_eptsim_cov_flags}")

# project() already creates *empty* cache entries for the flags of a custom
# CMAKE_BUILD_TYPE, so a plain set(... CACHE) would be a no-op: fill in any
# entry that is unset or empty, keep any non-empty value the user gave.
function(_eptsim_flags_default var value doc)
  if("${${var}}" STREQUAL "")
    set(${var} "${value}" CACHE STRING "${doc}" FORCE)
  endif()
endfunction()

_eptsim_flags_default(CMAKE_C_FLAGS_ASAN "${_eptsim_asan_flags}"
  "C compiler flags for the Asan build type")
_eptsim_flags_default(CMAKE_EXE_LINKER_FLAGS_ASAN "${_eptsim_asan_link}"
  "executable linker flags for the Asan build type")
_eptsim_flags_default(CMAKE_SHARED_LINKER_FLAGS_ASAN "${_eptsim_asan_link}"
  "shared library linker flags for the Asan build type")
_eptsim_flags_default(CMAKE_MODULE_LINKER_FLAGS_ASAN "${_eptsim_asan_link}"
  "module linker flags for the Asan build type")

_eptsim_flags_default(CMAKE_C_FLAGS_COVERAGE "${_eptsim_cov_flags}"
  "C compiler flags for the Coverage build type")
_eptsim_flags_default(CMAKE_EXE_LINKER_FLAGS_COVERAGE "${_eptsim_cov_link}"
  "executable linker flags for the Coverage build type")
_eptsim_flags_default(CMAKE_SHARED_LINKER_FLAGS_COVERAGE "${_eptsim_cov_link}"
  "shared library linker flags for the Coverage build type")
_eptsim_flags_default(CMAKE_MODULE_LINKER_FLAGS_COVERAGE "${_eptsim_cov_link}"
  "module linker flags for the Coverage build type")

mark_as_advanced(
  CMAKE_C_FLAGS_ASAN CMAKE_EXE_LINKER_FLAGS_ASAN
  CMAKE_SHARED_LINKER_FLAGS_ASAN CMAKE_MODULE_LINKER_FLAGS_ASAN
  CMAKE_C_FLAGS_COVERAGE CMAKE_EXE_LINKER_FLAGS_COVERAGE
  CMAKE_SHARED_LINKER_FLAGS_COVERAGE CMAKE_MODULE_LINKER_FLAGS_COVERAGE)

get_property(_eptsim_multi_config GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
if(_eptsim_multi_config)
  foreach(_t Asan Coverage)
    if(NOT _t IN_LIST CMAKE_CONFIGURATION_TYPES)
      list(APPEND CMAKE_CONFIGURATION_TYPES ${_t})
    endif()
  endforeach()
  set(CMAKE_CONFIGURATION_TYPES "${CMAKE_CONFIGURATION_TYPES}"
    CACHE STRING "available build configurations" FORCE)
else()
  if(NOT CMAKE_BUILD_TYPE)
    message(STATUS "eptsim: no build type given, using RelWithDebInfo")
    set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING
      "build type: ${EPTSIM_BUILD_TYPES}" FORCE)
  endif()
  set_property(CACHE CMAKE_BUILD_TYPE PROPERTY STRINGS ${EPTSIM_BUILD_TYPES})

  string(TOUPPER "${CMAKE_BUILD_TYPE}" _bt_upper)
  set(_known FALSE)
  foreach(_t IN LISTS EPTSIM_BUILD_TYPES)
    string(TOUPPER "${_t}" _t_upper)
    if(_bt_upper STREQUAL _t_upper)
      set(_known TRUE)
    endif()
  endforeach()
  if(NOT _known)
    message(WARNING "eptsim: unknown build type '${CMAKE_BUILD_TYPE}'; "
      "known: ${EPTSIM_BUILD_TYPES}")
  endif()
  unset(_bt_upper)
  unset(_t_upper)
  unset(_known)
endif()
unset(_eptsim_multi_config)
