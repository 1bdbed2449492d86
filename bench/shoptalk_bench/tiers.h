// Deployment tiers as data: which model runs on which class of device, with what RAM budget.
// The built-in table follows the product's deployment plan; a JSON file can replace it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shoptalk/shoptalk.hpp"

namespace shoptalk::bench {

struct TierModel {
  std::string preset;  // a synth preset ("qwen3-0.6b")
  std::string quant;   // a synth quant preset ("q4_k_m")
  std::string label() const { return preset + " " + quant; }
};

struct Tier {
  int id = 0;
  std::string name;
  std::string devices;
  // The peak RSS a run must stay within, and the models' ModelOptions::memory_budget: a model
  // and session whose plan exceeds it are refused before anything is loaded.
  uint64_t ram_budget_bytes = 0;
  std::vector<TierModel> models;
  // The deployment's session: its context (0: each test's own) and KV cache type (unset: -ctk,
  // else f16; -ctk/-ctv override it).
  int context = 0;
  std::optional<KvType> kv_type;
};

const std::vector<Tier>& default_tiers();

// Parses {"tiers": [{"id": 1, "name": "...", "devices": "...", "ram_budget_mib": 1024,
// "models": [{"preset": "qwen3-0.6b", "quant": "q4_k_m"}], "context": 2048, "kv_type": "q4_0"},
// ...]} ("context" and "kv_type" optional); every field is checked.
Result<std::vector<Tier>> parse_tiers(std::string_view json_text);

// A tier's id ("1") or name ("512mb"), or "all": the tiers to run.
Result<std::vector<Tier>> select_tiers(const std::vector<Tier>& tiers, const std::string& which);

// Pass when the measured peak resident memory fits the tier's budget.
inline bool fits_budget(uint64_t peak_rss_bytes, const Tier& tier) {
  return peak_rss_bytes <= tier.ram_budget_bytes;
}

}  // namespace shoptalk::bench
