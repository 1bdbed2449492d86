// The conversation a diagnosis starts from: ShopTalk's system prompt and the technician's
// message built from an equipment report, in English or Spanish, worded like the messages the
// demo model was trained on ("Motor current is 8.5 A (rated 6.0 A), belt speed 30% and ...").
#pragma once

#include <string>
#include <vector>

#include "equipment_report.h"
#include "shoptalk/result.hpp"
#include "shoptalk/shoptalk.hpp"

namespace shoptalk::diagnose {

enum class Language { kEnglish, kSpanish };

// "en" or "es".
Result<Language> language_from_code(const std::string& code);

std::string system_prompt(Language language);
std::string user_message(const EquipmentReport& report, Language language);

// What the system message adds when the answer is a diagnosis object (shoptalk-diagnose --json,
// docs/diagnosis.schema.json): the fields to fill, in the language of the conversation.
std::string json_instruction(Language language);

// The system message followed by the user message.
std::vector<ChatMessage> diagnosis_chat(const EquipmentReport& report, Language language);

}  // namespace shoptalk::diagnose
