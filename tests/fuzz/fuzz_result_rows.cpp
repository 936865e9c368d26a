// libFuzzer target: what the result endpoint reads back from a statement's whole result on
// disk (lib/results/): a row line as a CSV record and in an Arrow record batch of every
// column type, and a meta.json. The files are livyd's own, but their rows came from a
// driver, which runs user code: any bytes must give an answer, never a crash.
// Checked, beyond "no crash, no sanitizer report, no RapidJSON assert":
//  - a CSV record has exactly as many fields as columns (outside quotes) and ends in CRLF;
//  - an Arrow batch is one framed message: continuation, 8-aligned metadata, 8-aligned body;
//  - a meta.json either is refused or encodes again to a text that decodes to the same meta.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_check.h"
#include "results/arrow_stream.h"
#include "results/result_export.h"

namespace {

using namespace livy::results;

std::size_t csv_fields(const std::string& record) {
  std::size_t fields = 1;
  bool quoted = false;
  for (const char c : record) {
    if (c == '"') quoted = !quoted;
    if (c == ',' && !quoted) ++fields;
  }
  return fields;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string record = csv_record(text, 3);
  FUZZ_CHECK(record.size() >= 2 && record.compare(record.size() - 2, 2, "\r\n") == 0);
  FUZZ_CHECK(csv_fields(record) == 3);

  const ArrowStreamEncoder enc({{"i", "int64", ""}, {"f", "float64", ""}, {"b", "bool", ""}, {"s", "string", ""},
                                {"n", "null", ""}, {"x", "decimal", ""}});
  const std::string batch = enc.batch({text, text});
  FUZZ_CHECK(batch.size() >= 8 && batch.compare(0, 4, "\xff\xff\xff\xff") == 0);
  std::int32_t meta = 0;
  std::memcpy(&meta, batch.data() + 4, 4);
  FUZZ_CHECK(meta > 0 && meta % 8 == 0 && static_cast<std::size_t>(meta) + 8 <= batch.size());
  FUZZ_CHECK((batch.size() - 8 - static_cast<std::size_t>(meta)) % 8 == 0);

  const auto decoded = decode_meta(text);
  if (decoded) {
    const auto again = decode_meta(encode_meta(*decoded));
    FUZZ_CHECK(again.has_value() && *again == *decoded);
  }
  return 0;
}
