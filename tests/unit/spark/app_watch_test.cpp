#include "spark/app_watch.h"

#include <catch2/catch.hpp>

using livy::find_app_id;
using livy::find_ui_port;

TEST_CASE("find_app_id recognises each cluster manager's ids", "[app_watch]") {
  CHECK(find_app_id("INFO SparkContext: Submitted application: local-1700000000123") == "local-1700000000123");
  CHECK(find_app_id("INFO Client: Submitting application application_1700000000123_0042 to ResourceManager") ==
        "application_1700000000123_0042");
  CHECK(find_app_id("INFO StandaloneSchedulerBackend: Connected to Spark cluster with app ID app-20240101120000-0007") ==
        "app-20240101120000-0007");
  CHECK(find_app_id("spark-0123456789abcdef0123456789abcdef is the id") == "spark-0123456789abcdef0123456789abcdef");
  // The first id of a line wins.
  CHECK(find_app_id("local-1700000000123 then application_1700000000123_0042") == "local-1700000000123");
}

TEST_CASE("find_app_id ignores lines without an id", "[app_watch]") {
  for (const char* line : {"", "Pi is roughly 3.14", "INFO SparkContext: Running Spark version 4.0.1",
                           "local-123", "application_123_1", "app-2024-1", "my-local-1700000000123x",
                           "spark-submit --master local[*]", "spark-0123 short"}) {
    INFO(line);
    CHECK_FALSE(find_app_id(line));
  }
}

TEST_CASE("find_ui_port reads Spark's UI announcement", "[app_watch]") {
  CHECK(find_ui_port("24/01/01 12:00:00 INFO Utils: Successfully started service 'SparkUI' on port 4041.") == 4041);
  CHECK(find_ui_port("Successfully started service 'SparkUI' on port 4040") == 4040);
  CHECK_FALSE(find_ui_port("Successfully started service 'sparkDriver' on port 40123."));
  CHECK_FALSE(find_ui_port("Bound SparkUI to 0.0.0.0, and started at http://host:4040"));
  CHECK_FALSE(find_ui_port(""));
}

// Issue 9, F1: spark-submit echoes a user's conf key ("Ignoring non-Spark config
// property: local-111..."), and a batch may print anything. std::regex overflowed
// the stack on such a line at ~30,000 digits and crashed livyd.
TEST_CASE("find_app_id survives a line of 64 KiB of digits and ignores ids too long to be real", "[app_watch]") {
  const std::string digits(64 * 1024 - 64, '1');
  CHECK_FALSE(find_app_id("Warning: Ignoring non-Spark config property: local-" + digits));
  CHECK_FALSE(find_app_id("application_" + digits + "_0001"));
  CHECK_FALSE(find_app_id("application_1700000000123_" + digits));
  CHECK_FALSE(find_app_id("spark-" + std::string(64 * 1024, 'a')));
  CHECK_FALSE(find_app_id(std::string(64 * 1024, '-')));
  CHECK_FALSE(find_app_id("local-" + std::string(60, '1')));
  // Many starts that each fail late: still found after them.
  std::string starts;
  while (starts.size() < 60 * 1024) starts += "app-12345678901234- ";
  CHECK(find_app_id(starts + "local-1700000000123") == "local-1700000000123");
}

TEST_CASE("find_ui_port reads at most a port's digits", "[app_watch]") {
  CHECK_FALSE(find_ui_port("Successfully started service 'SparkUI' on port " + std::string(64 * 1024, '9')));
  CHECK_FALSE(find_ui_port("Successfully started service 'SparkUI' on port 99999"));
  CHECK_FALSE(find_ui_port("Successfully started service 'SparkUI' on port x"));
}

// Spark 4.0.1's spark-submit in standalone cluster deploy mode (lines as it printed them
// against the tests' master, tests/clusters/standalone.py).
TEST_CASE("find_app_id reads a standalone driver id from spark-submit's cluster-mode output", "[app_watch]") {
  CHECK(find_app_id("26/12/07 04:26:44 INFO ClientEndpoint: Driver successfully submitted as "
                    "driver-20261207042644-0000") == "driver-20261207042644-0000");
  CHECK(find_app_id("26/12/07 04:26:49 INFO ClientEndpoint: State of driver-20261207042644-0000 is RUNNING") ==
        "driver-20261207042644-0000");
  for (const char* line : {"driver-2026-0000", "driver-20261207042644-00", "mydriver-20261207042644-0000",
                           "driver-20261207042644-0000x", "driver-202612070426440-0000",
                           "26/12/07 04:26:42 INFO Utils: Successfully started service 'driverClient' on port 39193."}) {
    INFO(line);
    CHECK_FALSE(find_app_id(line));
  }
}
