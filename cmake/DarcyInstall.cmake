# Install rules, for `cmake --install <build> [--prefix DIR]` and the Debian package
# (packaging/CPack.cmake builds it from these same rules with the prefix /usr).
#
# Relative to the prefix:
#   bin/docker-credential-darcy
#   libexec/darcy/darcy-fetch          the helper looks beside itself, then in ../libexec/darcy/
#   share/man/man1/docker-credential-darcy.1.gz
#   share/bash-completion/completions/docker-credential-darcy
#   share/doc/docker-credential-darcy/ reference documents, the example config, copyright
#
# The configuration example and the systemd units are placed when installing
# (packaging/InstallSystemFiles.cmake), because where they belong depends on the
# prefix given to `cmake --install`: under the prefix /usr (the package) they are
# /etc/darcy/helper.conf and /lib/systemd/system/darcy-sync.{service,timer}, as
# Debian 12 expects; under any other prefix, <prefix>/etc/darcy/helper.conf and
# <prefix>/lib/systemd/system/. The service names the installed binary by its
# full path, so it is written at install time too.
include(GNUInstallDirs)

if(NOT (TARGET docker-credential-darcy AND TARGET darcy-fetch))
  return()
endif()

set(DARCY_SYSTEMD_UNIT_DIR "" CACHE PATH
  "Absolute directory for the systemd units; empty: /lib/systemd/system for the prefix /usr, else <prefix>/lib/systemd/system")
set(DARCY_INSTALL_SYSCONFDIR "" CACHE PATH
  "Absolute directory holding darcy/helper.conf; empty: /etc for the prefix /usr, else <prefix>/etc")

# ProcessFetcher::locate finds darcy-fetch at <dir of the helper>/../libexec/darcy/.
file(RELATIVE_PATH _darcy_fetch_from_bin
  "${CMAKE_INSTALL_FULL_BINDIR}" "${CMAKE_INSTALL_FULL_LIBEXECDIR}/darcy")
if(NOT _darcy_fetch_from_bin STREQUAL "../libexec/darcy")
  message(WARNING "darcy-fetch installs to ${CMAKE_INSTALL_FULL_LIBEXECDIR}/darcy, which "
    "docker-credential-darcy in ${CMAKE_INSTALL_FULL_BINDIR} does not search "
    "(it looks beside itself and in ../libexec/darcy/): keep CMAKE_INSTALL_BINDIR and "
    "CMAKE_INSTALL_LIBEXECDIR siblings named bin and libexec")
endif()

install(TARGETS docker-credential-darcy RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS darcy-fetch RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/darcy)

install(FILES ${PROJECT_SOURCE_DIR}/packaging/bash-completion/docker-credential-darcy
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)

install(FILES
    ${PROJECT_SOURCE_DIR}/README.md
    ${PROJECT_SOURCE_DIR}/docs/configuration.md
    ${PROJECT_SOURCE_DIR}/docs/controller-api.md
    ${PROJECT_SOURCE_DIR}/docs/protocol.md
    ${PROJECT_SOURCE_DIR}/docs/security.md
    ${PROJECT_SOURCE_DIR}/docs/vault-format.md
    ${PROJECT_SOURCE_DIR}/packaging/debian/copyright
  DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/packaging/helper.conf
  DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME helper.conf.example)

# The static helper is intended (helper/CMakeLists.txt says why); tell lintian.
if(DARCY_STATIC_HELPER)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/debian/lintian-overrides
    DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides RENAME docker-credential-darcy)
endif()

# Compressed manual page and changelog, the example config and the systemd units.
install(CODE "
  set(DARCY_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
  set(DARCY_WORK_DIR \"${PROJECT_BINARY_DIR}/packaging\")
  set(DARCY_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
  set(DARCY_MANDIR \"${CMAKE_INSTALL_MANDIR}\")
  set(DARCY_DOCDIR \"${CMAKE_INSTALL_DOCDIR}\")
  set(DARCY_SYSTEMD_UNIT_DIR \"${DARCY_SYSTEMD_UNIT_DIR}\")
  set(DARCY_INSTALL_SYSCONFDIR \"${DARCY_INSTALL_SYSCONFDIR}\")
")
install(SCRIPT ${PROJECT_SOURCE_DIR}/packaging/InstallSystemFiles.cmake)

# `cpack -G DEB` in the build directory makes the Debian package.
if(PROJECT_IS_TOP_LEVEL)
  include(${PROJECT_SOURCE_DIR}/packaging/CPack.cmake)
endif()
