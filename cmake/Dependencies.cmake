# Every dependency comes from Debian's packages (scripts/bootstrap installs them).
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(CPP_HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_package(RapidJSON REQUIRED)
find_package(fmt REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED)
# Authentication (lib/auth): OpenLDAP's libldap for `ldap`, MIT Kerberos GSSAPI for `kerberos`.
pkg_check_modules(LDAP REQUIRED IMPORTED_TARGET ldap)
pkg_check_modules(KRB5_GSSAPI REQUIRED IMPORTED_TARGET krb5-gssapi krb5)
# auth.type jwt: libjwt 1.x (Debian libjwt-dev) verifies signatures; its pkg-config file suffices.
pkg_check_modules(LIBJWT REQUIRED IMPORTED_TARGET libjwt)
