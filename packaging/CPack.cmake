# The Debian package: `cpack -G DEB` in a build directory (configure it with
# -DCMAKE_BUILD_TYPE=Release -DDARCY_BUILD_TESTS=OFF: the package is what users run,
# with the statically linked helper). Its content is exactly the install rules of
# cmake/DarcyInstall.cmake under the prefix /usr, stripped.
#
# Depends is computed by dpkg-shlibdeps (package dpkg-dev) from darcy-fetch, the
# only dynamically linked binary.

set(DARCY_PACKAGE_MAINTAINER "Darcy Cloud maintainers <maintainers@darcy-cloud.example>"
  CACHE STRING "Maintainer field of the Debian package: Name <address>")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME docker-credential-darcy)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Darcy Cloud")
set(CPACK_PACKAGE_CONTACT "${DARCY_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Docker credential helper for Darcy Cloud edge nodes")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_GENERATOR "")

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${DARCY_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "docker.io | podman | skopeo")
# The extended description; the synopsis is CPACK_PACKAGE_DESCRIPTION_SUMMARY.
# CPack indents each line and writes an empty line as " .".
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"Docker, skopeo, podman and any other client of the Docker credential-helper
protocol run docker-credential-darcy when they need credentials for a
registry. It maps the registry host to an entry of the Darcy Cloud (Eclipse
ioFog) project's registry list, fetches that entry's credentials from the
controller by registry ID, keeps them sealed with libsodium on the node and
answers: from the vault with no network while the entry is fresh, and from
the cached copy, with a warning, while the controller is unreachable.

The package holds the helper, darcy-fetch (the only program that talks to
the controller; it never reads the node's secret key) and the darcy-sync
systemd timer, which refreshes every registry every 5 minutes once enabled.")

set(_darcy_debian ${PROJECT_SOURCE_DIR}/packaging/debian)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${_darcy_debian}/conffiles
  ${_darcy_debian}/postinst
  ${_darcy_debian}/prerm
  ${_darcy_debian}/postrm)
# Maintainer scripts 0755 and the rest 0644 whatever the checkout's modes are.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
