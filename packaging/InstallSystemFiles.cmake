# Runs at install time (cmake/DarcyInstall.cmake), when the prefix given to
# `cmake --install` or used by cpack is known. Installs:
#   <man>/man1/docker-credential-darcy.1.gz and <doc>/changelog.gz (gzip -9n, as Debian wants)
#   <etc>/darcy/helper.conf         the example configuration; an existing file is kept
#   <units>/darcy-sync.service      ExecStart names the installed binary
#   <units>/darcy-sync.timer
# where <etc> and <units> are /etc and /lib/systemd/system for the prefix /usr (the
# Debian package) and <prefix>/etc and <prefix>/lib/systemd/system otherwise, unless
# DARCY_INSTALL_SYSCONFDIR or DARCY_SYSTEMD_UNIT_DIR were set when configuring.
# file(INSTALL) puts every path under $DESTDIR, which is how cpack stages the package.
#
# Expects DARCY_SOURCE_DIR, DARCY_WORK_DIR, DARCY_BINDIR, DARCY_MANDIR, DARCY_DOCDIR,
# DARCY_SYSTEMD_UNIT_DIR and DARCY_INSTALL_SYSCONFDIR.

get_filename_component(_prefix "${CMAKE_INSTALL_PREFIX}" ABSOLUTE)
if(_prefix STREQUAL "/usr")
  set(_etc "/etc")
  set(_units "/lib/systemd/system")
else()
  set(_etc "${_prefix}/etc")
  set(_units "${_prefix}/lib/systemd/system")
endif()
if(DARCY_INSTALL_SYSCONFDIR)
  set(_etc "${DARCY_INSTALL_SYSCONFDIR}")
endif()
if(DARCY_SYSTEMD_UNIT_DIR)
  set(_units "${DARCY_SYSTEMD_UNIT_DIR}")
endif()
foreach(_dir DARCY_BINDIR DARCY_MANDIR DARCY_DOCDIR)
  if(IS_ABSOLUTE "${${_dir}}")
    set(_${_dir} "${${_dir}}")
  else()
    set(_${_dir} "${_prefix}/${${_dir}}")
  endif()
endforeach()

file(MAKE_DIRECTORY "${DARCY_WORK_DIR}")
set(_read_only OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# gzip -9n: no name or time stamp in the header, so the package is reproducible.
find_program(_gzip gzip)
function(darcy_install_gzipped source name destination)
  if(_gzip)
    execute_process(COMMAND "${_gzip}" -9n -c "${source}"
      OUTPUT_FILE "${DARCY_WORK_DIR}/${name}.gz" RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "gzip ${source} failed: ${rc}")
    endif()
    file(INSTALL "${DARCY_WORK_DIR}/${name}.gz" DESTINATION "${destination}"
      FILE_PERMISSIONS ${_read_only})
  else()
    message(WARNING "gzip not found: installing ${name} uncompressed")
    file(INSTALL "${source}" DESTINATION "${destination}" RENAME "${name}"
      FILE_PERMISSIONS ${_read_only})
  endif()
endfunction()

darcy_install_gzipped("${DARCY_SOURCE_DIR}/docs/docker-credential-darcy.1"
  docker-credential-darcy.1 "${_DARCY_MANDIR}/man1")
darcy_install_gzipped("${DARCY_SOURCE_DIR}/packaging/debian/changelog"
  changelog "${_DARCY_DOCDIR}")

# The example configuration: every key commented out with its default. A
# helper.conf already there (an operator's, when installing over a live prefix
# rather than staging a package) is left alone; the example stays in the doc directory.
set(_conf "$ENV{DESTDIR}${_etc}/darcy/helper.conf")
if(EXISTS "${_conf}")
  file(READ "${_conf}" _have)
  file(READ "${DARCY_SOURCE_DIR}/packaging/helper.conf" _want)
  if(NOT _have STREQUAL _want)
    message(STATUS "Keeping: ${_conf} (example: ${_DARCY_DOCDIR}/helper.conf.example)")
    set(_conf "")
  endif()
endif()
if(_conf)
  file(INSTALL "${DARCY_SOURCE_DIR}/packaging/helper.conf" DESTINATION "${_etc}/darcy"
    FILE_PERMISSIONS ${_read_only})
endif()

set(DARCY_BINDIR_FULL "${_DARCY_BINDIR}")
configure_file("${DARCY_SOURCE_DIR}/packaging/systemd/darcy-sync.service.in"
  "${DARCY_WORK_DIR}/darcy-sync.service" @ONLY)
file(INSTALL
    "${DARCY_WORK_DIR}/darcy-sync.service"
    "${DARCY_SOURCE_DIR}/packaging/systemd/darcy-sync.timer"
  DESTINATION "${_units}" FILE_PERMISSIONS ${_read_only})
