#include "equipment_report.h"

#include <algorithm>
#include <cstdio>

#include "json.h"

namespace shoptalk::diagnose {

namespace {

Error bad_input(const std::string& message) {
  return Error(ErrorCode::kInvalidArgument, message);
}

// Sets the named field; false when `key` names a reading instead.
bool set_field(EquipmentReport& report, const std::string& key, const std::string& value) {
  std::string* field = key == "lang"        ? &report.language
                       : key == "equipment" ? &report.equipment
                       : key == "asset"     ? &report.asset
                       : key == "symptom"   ? &report.symptom
                       : key == "code"      ? &report.fault_code
                       : key == "question"  ? &report.question
                                            : nullptr;
  if (field == nullptr) return false;
  *field = value;
  return true;
}

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// A reading as text. A structured reading's reference value is written with its English word
// ("8.5 A (rated 6.0 A)"); the prompt builder translates these words for Spanish.
Result<std::string> reading_text(const std::string& name, const json::Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number()) return number_text(v.get<double>());
  const json::Json& value = json::member(v, "value");
  if (!value.is_number())
    return bad_input("reading '" + name + "': expected a number, a string or {\"value\": ...}");
  const json::Json& unit_value = json::member(v, "unit");
  const std::string unit = unit_value.is_string() ? " " + unit_value.get<std::string>() : "";
  std::string text = number_text(value.get<double>()) + unit;
  for (const char* reference : {"rated", "setpoint", "design"}) {
    const json::Json& r = json::member(v, reference);
    if (r.is_null()) continue;
    if (!r.is_number())
      return bad_input("reading '" + name + "': \"" + reference + "\" must be a number");
    text += std::string(" (") + reference + " " + number_text(r.get<double>()) + unit + ")";
  }
  return text;
}

Status check_complete(const EquipmentReport& report) {
  if (report.symptom.empty() && report.readings.empty())
    return bad_input("nothing to diagnose: give a symptom or at least one reading");
  return {};
}

}  // namespace

Result<EquipmentReport> parse_key_values(const std::vector<std::string>& items) {
  EquipmentReport report;
  for (const std::string& item : items) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      return bad_input("expected key=value, got '" + item + "'");
    std::string key = item.substr(0, eq);
    const std::string value = item.substr(eq + 1);
    if (set_field(report, key, value)) continue;
    std::replace(key.begin(), key.end(), '_', ' ');
    report.readings.push_back({key, value});
  }
  if (Status st = check_complete(report); !st) return st.error();
  return report;
}

Result<EquipmentReport> parse_json_report(std::string_view text) {
  auto parsed = json::parse(text);
  if (!parsed) return bad_input("readings: not JSON (" + parsed.error().message() + ")");
  const json::Json& root = *parsed;
  if (!root.is_object()) return bad_input("readings: expected a JSON object");
  EquipmentReport report;
  for (const auto& [key, v] : root.items()) {
    if (key == "readings") {
      if (!v.is_object()) return bad_input("readings: \"readings\" must be an object");
      for (const auto& [name, reading] : v.items()) {
        auto value = reading_text(name, reading);
        if (!value) return value.error();
        report.readings.push_back({name, *value});
      }
      continue;
    }
    if (!v.is_string()) return bad_input("readings: \"" + key + "\" must be a string");
    if (!set_field(report, key, v.get<std::string>()))
      return bad_input("readings: unknown key \"" + key + "\"");
  }
  if (Status st = check_complete(report); !st) return st.error();
  return report;
}

}  // namespace shoptalk::diagnose
