# cmake --install: the libraries, the public headers, livyd, and a CMake
# package so that `find_package(livy)` gives livy::livy and livy::http.
include(CMakePackageConfigHelpers)

install(TARGETS livy livy_http livy_client EXPORT livyTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS livyd RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY include/livy DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
# Found at run time relative to liblivy: keep lib/ and share/ side by side.
install(FILES lib/drivers/python/livy_driver.py lib/drivers/python/livy_r.py lib/drivers/python/livy_r.R
              lib/drivers/python/livy_scala.py lib/drivers/python/livy_warm.py
        DESTINATION ${CMAKE_INSTALL_DATADIR}/livy/drivers/python)
# The Scala REPL's sources: livy_scala.py compiles them on first use, from ../scala.
install(DIRECTORY lib/drivers/scala DESTINATION ${CMAKE_INSTALL_DATADIR}/livy/drivers
        FILES_MATCHING PATTERN "*.scala")
install(EXPORT livyTargets NAMESPACE livy:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/livy)

configure_package_config_file(cmake/livyConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/livyConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/livy)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/livyConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/livyConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/livyConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/livy)
