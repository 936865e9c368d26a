// A fake Spark distribution: just an executable bin/spark-submit, so that
// livy::resolve_spark and livy::Runtime::open accept it. It lets unit tests
// check command lines and state changes; it proves nothing about Spark.
#pragma once

#include <filesystem>
#include <string>

#include "support/temp_dir.h"

namespace livy_test {

// Makes `home`/bin/spark-submit (a tiny shell script) and returns `home`.
inline std::filesystem::path make_fake_spark_home(const std::filesystem::path& home) {
  write_executable(home / "bin" / "spark-submit", "#!/bin/sh\necho \"fake spark-submit $*\"\n");
  return home;
}

// The layout of pyspark installed from PyPI into a venv:
// <venv>/lib/python3.11/site-packages/pyspark (the Spark home) and <venv>/bin/python.
// Returns the Spark home.
inline std::filesystem::path make_fake_venv_pyspark(const std::filesystem::path& venv) {
  write_executable(venv / "bin" / "python", "#!/bin/sh\nexit 0\n");
  return make_fake_spark_home(venv / "lib" / "python3.11" / "site-packages" / "pyspark");
}

// A fake Spark home in its own temporary directory.
class FakeSparkHome {
 public:
  FakeSparkHome() { make_fake_spark_home(dir_.path()); }
  const std::filesystem::path& path() const { return dir_.path(); }
  std::string str() const { return dir_.str(); }
  std::string spark_submit() const { return (dir_.path() / "bin" / "spark-submit").string(); }

 private:
  TempDir dir_;
};

}  // namespace livy_test
