#include "diagnosis_prompt.h"

#include <cctype>

namespace shoptalk::diagnose {

namespace {

struct Wording {
  const char* system;
  const char* default_subject;  // when the report names no equipment or asset
  const char* first_reading_verb;
  const char* last_separator;
  const char* fault_code;  // before the code
  const char* fault_code_end;
  const char* question;
};

// The system prompts are the ones the demo model saw in training.
const Wording kEnglish = {
    "You are ShopTalk, an equipment-diagnostics assistant for factory technicians. Answer "
    "briefly, put safety first and give concrete checks.",
    "The machine",
    " is ",
    " and ",
    "Fault code ",
    " is active.",
    "What should I check?"};
const Wording kSpanish = {
    "Eres ShopTalk, un asistente de diagnóstico de equipos para técnicos de planta. Responde de "
    "forma breve, prioriza la seguridad y da comprobaciones concretas.",
    "El equipo",
    " ",
    " y ",
    "Código de fallo ",
    " activo.",
    "¿Qué reviso?"};

const Wording& wording(Language language) {
  return language == Language::kSpanish ? kSpanish : kEnglish;
}

std::string capitalized(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

// Spanish readings use a decimal comma (14,5 s) and Spanish words for the reference values.
std::string localized_value(std::string value, Language language) {
  if (language != Language::kSpanish) return value;
  for (size_t i = 1; i + 1 < value.size(); ++i)
    if (value[i] == '.' && std::isdigit(static_cast<unsigned char>(value[i - 1])) &&
        std::isdigit(static_cast<unsigned char>(value[i + 1])))
      value[i] = ',';
  replace_all(value, "(rated ", "(nominal ");
  replace_all(value, "(setpoint ", "(consigna ");
  replace_all(value, "(design ", "(diseño ");
  return value;
}

std::string readings_sentence(const std::vector<Reading>& readings, Language language) {
  const Wording& w = wording(language);
  std::string s;
  for (size_t i = 0; i < readings.size(); ++i) {
    if (i > 0) s += i + 1 == readings.size() ? w.last_separator : ", ";
    const std::string value = localized_value(readings[i].value, language);
    s += i == 0 ? capitalized(readings[i].name) + w.first_reading_verb + value
                : readings[i].name + " " + value;
  }
  return s + ".";
}

}  // namespace

Result<Language> language_from_code(const std::string& code) {
  if (code == "en") return Language::kEnglish;
  if (code == "es") return Language::kSpanish;
  return Error(ErrorCode::kInvalidArgument, "unknown language '" + code + "' (en or es)");
}

std::string system_prompt(Language language) {
  return wording(language).system;
}

std::string json_instruction(Language language) {
  return language == Language::kSpanish
             ? " Responde con un objeto JSON: fault (la avería más probable), severity (low, "
               "medium, high o critical), safety_steps, checks, fix, confidence (de 0 a 1) y "
               "escalate (si hay que llamar a un especialista)."
             : " Answer with a JSON object: fault (the most likely fault), severity (low, medium, "
               "high or critical), safety_steps, checks, fix, confidence (0 to 1) and escalate "
               "(whether a specialist must be called).";
}

std::string user_message(const EquipmentReport& report, Language language) {
  const Wording& w = wording(language);
  std::string subject = report.equipment;
  if (!report.asset.empty()) subject += (subject.empty() ? "" : " ") + report.asset;
  if (subject.empty()) subject = w.default_subject;
  std::string message = capitalized(subject);
  message += report.symptom.empty() ? "." : " " + report.symptom + ".";
  if (!report.readings.empty()) message += " " + readings_sentence(report.readings, language);
  if (!report.fault_code.empty())
    message += std::string(" ") + w.fault_code + report.fault_code + w.fault_code_end;
  message += " " + (report.question.empty() ? std::string(w.question) : report.question);
  return message;
}

std::vector<ChatMessage> diagnosis_chat(const EquipmentReport& report, Language language) {
  return {{"system", system_prompt(language)}, {"user", user_message(report, language)}};
}

}  // namespace shoptalk::diagnose
