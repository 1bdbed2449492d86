// The JSON Schema Test Suite (Debian package json-schema-test-suite, draft 7 and the date/time
// formats) as an external oracle. For every schema: either it compiles, and then each of the
// suite's instances (its compact JSON text fed through the matcher) is accepted exactly when the
// suite says it is valid, except for the documented generation-oriented deviations; or it is
// refused, naming an unsupported keyword that the schema uses, or as unsatisfiable when no
// instance is valid. An invalid instance is never accepted. The counts are in docs/constraints.md.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "constraint_helpers.h"
#include "engine/constraint/json_schema.h"

namespace shoptalk::engine::constraint {
namespace {

namespace fs = std::filesystem;
using ordered = nlohmann::ordered_json;

std::vector<fs::path> suite_files() {
  const fs::path root = fs::path(SHOPTALK_JSON_SCHEMA_TEST_SUITE) / "tests" / "draft7";
  std::vector<fs::path> files;
  if (!fs::is_directory(root)) return files;
  for (const auto& e : fs::directory_iterator(root))
    if (e.path().extension() == ".json") files.push_back(e.path());
  for (const char* f : {"date.json", "time.json", "date-time.json"})
    if (fs::exists(root / "optional" / "format" / f))
      files.push_back(root / "optional" / "format" / f);
  std::sort(files.begin(), files.end());
  return files;
}

// Property names in the order the schema writes them (first one wins): the keys of "properties"
// and of the objects in "enum" and "const" values.
void property_order(const ordered& s, std::vector<std::string>& order, bool in_value = false) {
  if (s.is_object()) {
    auto add = [&](const ordered& obj) {
      for (auto it = obj.begin(); it != obj.end(); ++it)
        if (std::find(order.begin(), order.end(), it.key()) == order.end())
          order.push_back(it.key());
    };
    if (in_value) add(s);
    if (!in_value && s.contains("properties") && s["properties"].is_object()) add(s["properties"]);
    for (auto it = s.begin(); it != s.end(); ++it)
      property_order(it.value(), order, in_value || it.key() == "enum" || it.key() == "const");
  } else if (s.is_array()) {
    for (const ordered& x : s) property_order(x, order, in_value);
  }
}

// The instance with every object's keys in the schema's order (unknown keys after, as they were).
ordered reorder(const ordered& v, const std::vector<std::string>& order) {
  if (v.is_array()) {
    ordered out = ordered::array();
    for (const ordered& x : v) out.push_back(reorder(x, order));
    return out;
  }
  if (!v.is_object()) return v;
  ordered out = ordered::object();
  for (const std::string& k : order)
    if (v.contains(k)) out[k] = reorder(v[k], order);
  for (auto it = v.begin(); it != v.end(); ++it)
    if (!out.contains(it.key())) out[it.key()] = reorder(it.value(), order);
  return out;
}

// The instance with integral floats (1.0) written as integers (1).
ordered integral(const ordered& v) {
  if (v.is_array() || v.is_object()) {
    ordered out = v;
    for (auto it = out.begin(); it != out.end(); ++it) *it = integral(*it);
    return out;
  }
  if (v.is_number_float() &&
      v.get<double>() == static_cast<double>(static_cast<int64_t>(v.get<double>())))
    return static_cast<int64_t>(v.get<double>());
  return v;
}

bool valid_for(const std::shared_ptr<const Constraint>& c, const ordered& v) {
  return test::accepts(c, v.dump());
}

TEST_CASE("json schema test suite: the constraint accepts exactly the valid instances") {
  const std::vector<fs::path> files = suite_files();
  INFO("JSON Schema Test Suite at " << SHOPTALK_JSON_SCHEMA_TEST_SUITE
                                    << " (package json-schema-test-suite)");
  REQUIRE(!files.empty());
  int schemas = 0, compiled = 0, unsupported = 0, unsatisfiable = 0;
  int instances = 0, decided = 0, agree = 0;
  std::map<std::string, int> deviations;
  for (const fs::path& file : files) {
    const ordered groups = ordered::parse(test::read_text(file));
    for (const ordered& group : groups) {
      ++schemas;
      const std::string schema = group["schema"].dump();
      const std::string where =
          file.filename().string() + ": " + group["description"].get<std::string>();
      INFO(where << "\n  schema: " << schema);
      const size_t n_tests = group["tests"].size();
      instances += static_cast<int>(n_tests);
      auto c = test::compile(Kind::kJsonSchema, schema);
      if (!c) {
        const std::string& msg = c.error().message();
        INFO("  error: " << msg);
        if (msg.find("matches nothing") != std::string::npos) {
          // Refusing an unsatisfiable schema agrees with the suite when nothing validates.
          ++unsatisfiable;
          decided += static_cast<int>(n_tests);
          for (const ordered& t : group["tests"]) {
            CHECK_FALSE(t["valid"].get<bool>());
            agree += t["valid"].get<bool>() ? 0 : 1;
          }
          continue;
        }
        ++unsupported;
        // The message names what is unsupported, and the schema has it.
        const size_t q = msg.find('"');
        REQUIRE(q != std::string::npos);
        const std::string named = msg.substr(q, msg.find('"', q + 1) - q + 1);
        CHECK(schema.find(named) != std::string::npos);
        continue;
      }
      ++compiled;
      decided += static_cast<int>(n_tests);
      auto parsed_schema = parse_json(schema, "schema");
      REQUIRE(parsed_schema);
      SchemaValidator validator(*parsed_schema);
      std::vector<std::string> order;
      property_order(group["schema"], order);
      for (const ordered& t : group["tests"]) {
        const ordered& data = t["data"];
        const bool valid = t["valid"].get<bool>();
        INFO("  instance: " << data.dump() << " (" << t["description"].get<std::string>() << ")");
        // The validator (the oracle of the generation tests) agrees with the suite everywhere.
        auto parsed = parse_json(data.dump(), "instance");
        REQUIRE(parsed);
        CHECK(validator.valid(*parsed) == valid);
        const bool accepted = valid_for(*c, data);
        if (accepted == valid) {
          ++agree;
          continue;
        }
        // Never accept an invalid instance.
        REQUIRE(valid);
        // A valid instance written differently from how generation writes it.
        if (valid_for(*c, reorder(data, order))) {
          ++deviations["keys in another order than the schema's properties"];
        } else if (valid_for(*c, integral(data))) {
          ++deviations["an integer written with a fraction (1.0)"];
        } else {
          FAIL("a valid instance is rejected");
        }
      }
    }
  }
  int deviating = 0;
  for (const auto& [kind, n] : deviations) deviating += n;
  std::printf(
      "JSON Schema Test Suite (draft 7 + date/time formats): %d schemas: %d compiled, %d refused "
      "as "
      "unsupported, %d refused as unsatisfiable (no valid instance); %d instances, %d of the "
      "compiled or refused-unsatisfiable schemas: %d agree, %d deviate:\n",
      schemas, compiled, unsupported, unsatisfiable, instances, decided, agree, deviating);
  for (const auto& [kind, n] : deviations) std::printf("  %d: %s\n", n, kind.c_str());
  CHECK(compiled > 0);
}

}  // namespace
}  // namespace shoptalk::engine::constraint
