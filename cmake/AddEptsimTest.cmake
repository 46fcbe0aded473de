# eptsim unit tests.
#
# Finds cmocka once and exposes it as the imported target eptsim::cmocka, then
# provides:
#
#   add_eptsim_test(<name>
#                   SOURCES <file>...
#                   [LINK_LIBRARIES <lib>...]
#                   [FORMATS <fmt>...]
#                   [WILL_FAIL]
#                   [PASS_REGULAR_EXPRESSION <regex>]
#                   [ARGS <arg>...])
#
# Without FORMATS: one executable and one test, both named <name>.
# With FORMATS (e.g. x86 ept ept_emul): per format one target <name>_<fmt>
# whose executable and test are named <name>.<fmt>, compiled with
# EPTSIM_TEST_FMT="<fmt>".
# Every test executable links eptsim_warnings, eptsim::cmocka and
# LINK_LIBRARIES, lands in ${CMAKE_BINARY_DIR}/tests/, and its test gets
# LABELS unit and TIMEOUT 300. ARGS are passed on the test's command line;
# CMAKE_CROSSCOMPILING_EMULATOR, if set, is prepended by CTest.
#
# cmocka is only looked for when EPTSIM_TESTS is ON (the default); with it
# OFF, add_eptsim_test() does nothing.
include_guard(GLOBAL)

# Same declaration as in the top-level CMakeLists.txt; whichever comes first
# wins, the other is a no-op.
option(EPTSIM_TESTS "build tests" ON)

if(EPTSIM_TESTS AND NOT TARGET eptsim::cmocka)
  find_package(cmocka CONFIG QUIET)
  if(cmocka_FOUND AND TARGET cmocka::cmocka)
    # cmocka >= 1.1.6 exports a proper target.
    add_library(eptsim::cmocka INTERFACE IMPORTED GLOBAL)
    target_link_libraries(eptsim::cmocka INTERFACE cmocka::cmocka)
    message(STATUS "eptsim: cmocka ${cmocka_VERSION} (cmocka::cmocka)")
  elseif(cmocka_FOUND AND CMOCKA_LIBRARY AND EXISTS "${CMOCKA_LIBRARY}")
    add_library(eptsim::cmocka INTERFACE IMPORTED GLOBAL)
    target_link_libraries(eptsim::cmocka INTERFACE "${CMOCKA_LIBRARY}")
    if(CMOCKA_INCLUDE_DIR)
      target_include_directories(eptsim::cmocka INTERFACE "${CMOCKA_INCLUDE_DIR}")
    endif()
    message(STATUS "eptsim: cmocka ${cmocka_VERSION}: ${CMOCKA_LIBRARY}")
  else()
    find_package(PkgConfig QUIET)
    if(PKG_CONFIG_FOUND)
      pkg_check_modules(CMOCKA QUIET IMPORTED_TARGET GLOBAL cmocka)
    endif()
    if(NOT CMOCKA_FOUND)
      message(FATAL_ERROR
        "eptsim: cmocka (unit test framework) not found; run `make deps` "
        "(installs libcmocka-dev) or configure with -DEPTSIM_TESTS=OFF")
    endif()
    add_library(eptsim::cmocka INTERFACE IMPORTED GLOBAL)
    target_link_libraries(eptsim::cmocka INTERFACE PkgConfig::CMOCKA)
    message(STATUS "eptsim: cmocka ${CMOCKA_VERSION} (pkg-config)")
  endif()
endif()

# One test executable plus its test; internal to add_eptsim_test.
function(_eptsim_test_one target exe_name fmt)
  add_executable(${target} ${_T_SOURCES})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME ${exe_name}
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_link_libraries(${target} PRIVATE
    eptsim_warnings eptsim::cmocka ${_T_LINK_LIBRARIES})
  if(NOT fmt STREQUAL "")
    target_compile_definitions(${target} PRIVATE EPTSIM_TEST_FMT="${fmt}")
  endif()

  # COMMAND names the target: CTest substitutes the executable's full path and
  # prepends CROSSCOMPILING_EMULATOR (from CMAKE_CROSSCOMPILING_EMULATOR).
  add_test(NAME ${exe_name} COMMAND ${target} ${_T_ARGS})
  set_tests_properties(${exe_name} PROPERTIES LABELS unit TIMEOUT 300)
  if(_T_WILL_FAIL)
    set_tests_properties(${exe_name} PROPERTIES WILL_FAIL TRUE)
  endif()
  if(DEFINED _T_PASS_REGULAR_EXPRESSION)
    set_tests_properties(${exe_name} PROPERTIES
      PASS_REGULAR_EXPRESSION "${_T_PASS_REGULAR_EXPRESSION}")
  endif()
endfunction()

function(add_eptsim_test name)
  if(NOT EPTSIM_TESTS)
    return()
  endif()
  cmake_parse_arguments(PARSE_ARGV 1 _T
    "WILL_FAIL"
    "PASS_REGULAR_EXPRESSION"
    "SOURCES;LINK_LIBRARIES;FORMATS;ARGS")
  if(_T_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR
      "add_eptsim_test(${name}): unknown arguments: ${_T_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT _T_SOURCES)
    message(FATAL_ERROR "add_eptsim_test(${name}): SOURCES is required")
  endif()

  if(NOT _T_FORMATS)
    _eptsim_test_one(${name} ${name} "")
  else()
    foreach(fmt IN LISTS _T_FORMATS)
      _eptsim_test_one(${name}_${fmt} ${name}.${fmt} ${fmt})
    endforeach()
  endif()
endfunction()
