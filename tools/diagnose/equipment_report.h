// What a technician's device knows about a machine: which one, what it does wrong, its sensor
// readings and fault code. Read from key=value arguments or from a JSON object.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "shoptalk/result.hpp"

namespace shoptalk::diagnose {

struct Reading {
  std::string name;   // "motor current"
  std::string value;  // "8.5 A (rated 6.0 A)"
};

struct EquipmentReport {
  std::string language;   // "en", "es" or empty (the caller decides)
  std::string equipment;  // "Conveyor motor"
  std::string asset;      // "CV-07"
  std::string symptom;    // "is running slow and the motor is hot"
  std::string fault_code;
  std::string question;  // empty: the language's default question
  std::vector<Reading> readings;
};

// "key=value" items: the keys lang, equipment, asset, symptom, code and question set those
// fields; any other key is a reading (underscores read as spaces: motor_current=8.5 A).
Result<EquipmentReport> parse_key_values(const std::vector<std::string>& items);

// {"lang": "es", "equipment": ..., "asset": ..., "symptom": ..., "code": ..., "question": ...,
//  "readings": {"motor current": "8.5 A", "belt speed": 30, "temperature":
//               {"value": 92, "unit": "°C", "rated": 80}}}
// Readings keep their order; a structured reading may give "unit" and one of "rated",
// "setpoint" or "design" (rendered "8.5 A (rated 6.0 A)" in the report's language later).
Result<EquipmentReport> parse_json_report(std::string_view text);

}  // namespace shoptalk::diagnose
