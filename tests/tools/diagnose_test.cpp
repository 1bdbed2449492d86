// shoptalk-diagnose's pieces: reading a report (key=value and JSON, bad input), the prompt
// wording in English and Spanish, and the think-block filter over any split of the stream.
#include <catch2/catch.hpp>
#include <random>

#include "diagnosis_prompt.h"
#include "equipment_report.h"
#include "think_filter.h"

using namespace shoptalk;
using namespace shoptalk::diagnose;

TEST_CASE("key=value items fill the report; other keys are readings in order", "[diagnose]") {
  auto report = parse_key_values({"equipment=Conveyor motor", "asset=CV-07",
                                  "symptom=is running slow", "motor_current=8.5 A (rated 6.0 A)",
                                  "belt speed=30%", "code=E-044", "lang=es"});
  REQUIRE(report);
  CHECK(report->equipment == "Conveyor motor");
  CHECK(report->asset == "CV-07");
  CHECK(report->fault_code == "E-044");
  CHECK(report->language == "es");
  REQUIRE(report->readings.size() == 2);
  CHECK(report->readings[0].name == "motor current");
  CHECK(report->readings[0].value == "8.5 A (rated 6.0 A)");
  CHECK(report->readings[1].name == "belt speed");
}

TEST_CASE("bad key=value input is a clear error", "[diagnose]") {
  CHECK(parse_key_values({"no equals sign"}).error().message().find("key=value") !=
        std::string::npos);
  CHECK(parse_key_values({"=value"}).error().code() == ErrorCode::kInvalidArgument);
  CHECK(parse_key_values({"asset=CV-07"}).error().message().find("nothing to diagnose") !=
        std::string::npos);
}

TEST_CASE("a JSON report keeps the readings' order and renders structured readings", "[diagnose]") {
  auto report = parse_json_report(R"({"equipment": "Pump", "asset": "P-204",
      "readings": {"suction pressure": "0.15 bar", "vibration": 7.1,
                   "flow": {"value": 31, "unit": "m³/h", "design": 40}}})");
  REQUIRE(report);
  REQUIRE(report->readings.size() == 3);
  CHECK(report->readings[0].name == "suction pressure");
  CHECK(report->readings[1].value == "7.1");
  CHECK(report->readings[2].value == "31 m³/h (design 40 m³/h)");
}

TEST_CASE("bad JSON reports are clear errors", "[diagnose]") {
  CHECK(parse_json_report("{").error().message().find("not JSON") != std::string::npos);
  CHECK(parse_json_report("[1]").error().message().find("object") != std::string::npos);
  CHECK(parse_json_report(R"({"colour": "red", "symptom": "x"})")
            .error()
            .message()
            .find("unknown key") != std::string::npos);
  CHECK(parse_json_report(R"({"readings": {"flow": {"unit": "l"}}})")
            .error()
            .message()
            .find("flow") != std::string::npos);
  CHECK(parse_json_report(R"({"readings": {"flow": [1]}, "symptom": "x"})").error().code() ==
        ErrorCode::kInvalidArgument);
}

TEST_CASE("the question is worded like the demo model's training chats", "[diagnose]") {
  EquipmentReport report;
  report.equipment = "Conveyor motor";
  report.asset = "CV-07";
  report.symptom = "on Line 2 is running slow and the motor is hot";
  report.readings = {{"motor current", "8.5 A (rated 6.0 A)"},
                     {"belt speed", "30%"},
                     {"motor temperature", "92 °C"}};
  CHECK(user_message(report, Language::kEnglish) ==
        "Conveyor motor CV-07 on Line 2 is running slow and the motor is hot. Motor current is "
        "8.5 A (rated 6.0 A), belt speed 30% and motor temperature 92 °C. What should I check?");

  EquipmentReport press;
  press.equipment = "La prensa hidráulica";
  press.asset = "HP-04";
  press.symptom = "no llega al tonelaje completo";
  press.readings = {{"presión del sistema", "150 bar (setpoint 200 bar)"},
                    {"temperatura del aceite", "62 °C"},
                    {"tiempo de ciclo", "14.5 s"}};
  press.fault_code = "H-220";
  CHECK(user_message(press, Language::kSpanish) ==
        "La prensa hidráulica HP-04 no llega al tonelaje completo. Presión del sistema 150 bar "
        "(consigna 200 bar), temperatura del aceite 62 °C y tiempo de ciclo 14,5 s. Código de "
        "fallo H-220 activo. ¿Qué reviso?");

  const auto chat = diagnosis_chat(press, Language::kSpanish);
  REQUIRE(chat.size() == 2);
  CHECK(chat[0].role == "system");
  CHECK(chat[0].content.rfind("Eres ShopTalk", 0) == 0);
  CHECK(language_from_code("fr").error().message() == "unknown language 'fr' (en or es)");
}

TEST_CASE("the think filter gives the same split for any cut of the stream", "[diagnose]") {
  const std::string stream =
      "<think>\nCurrent +38 %. Mechanical drag.\n</think>\n\n**Diagnosis:** a <b>jam</b> "
      "<thin";
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    ThinkFilter filter;
    std::string answer, thinking;
    size_t at = 0;
    while (at < stream.size()) {
      const size_t n = std::uniform_int_distribution<size_t>(0, 9)(rng);
      const auto part = filter.feed(std::string_view(stream).substr(at, n));
      answer += part.answer;
      thinking += part.thinking;
      at += n;
    }
    const auto rest = filter.finish();
    answer += rest.answer;
    thinking += rest.thinking;
    CHECK(thinking == "\nCurrent +38 %. Mechanical drag.\n");
    CHECK(answer == "**Diagnosis:** a <b>jam</b> <thin");
  }
}
