# install() rules and the Debian package `silkledger` (docs/operations.md).
#
#   cmake --build build --target silkd silk    # what the package holds; nothing else is built
#   (cd build && cpack -G DEB)                 # build/silkledger_<version>_<arch>.deb
#
# cpack installs the targets as they are built (it does not build `all`; the `package` target
# would, tests included). The explorer's files are compiled into silkd (embed_explorer.cmake), so
# the package has no web folder. Logs go to standard error, i.e. the journal, or to a file silkd
# rotates itself (docs/config.md, "Logs"): no logrotate file.

set(SILK_DOC_DIR share/doc/silkledger)
install(TARGETS silkd silk RUNTIME DESTINATION bin)
install(FILES packaging/silkd.service DESTINATION lib/systemd/system)
file(GLOB silk_docs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/docs/*.md)
install(FILES README.md ${silk_docs} DESTINATION ${SILK_DOC_DIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME silkledger)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "SilkLedger maintainers <maintainers@silkledger.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "permissioned blockchain node for cross-border trade documents (silkd, silk)")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # silkledger_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://silkledger.invalid/")
# The shared libraries silkd and silk link (RocksDB, OpenSSL, libsodium, …) come from
# dpkg-shlibdeps; postinst needs adduser for the `silkledger` user.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_SOURCE_DIR}/packaging/postinst ${CMAKE_CURRENT_SOURCE_DIR}/packaging/prerm
    ${CMAKE_CURRENT_SOURCE_DIR}/packaging/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
