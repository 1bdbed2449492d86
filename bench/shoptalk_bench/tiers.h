// Deployment tiers as data: which model runs on which class of device, with what RAM budget.
// The built-in table follows the product's deployment plan; a JSON file can replace it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shoptalk/result.hpp"

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
  uint64_t ram_budget_bytes = 0;
  std::vector<TierModel> models;
};

const std::vector<Tier>& default_tiers();

// Parses {"tiers": [{"id": 1, "name": "...", "devices": "...", "ram_budget_mib": 1024,
// "models": [{"preset": "qwen3-0.6b", "quant": "q4_k_m"}]}, ...]}; every field is checked.
Result<std::vector<Tier>> parse_tiers(std::string_view json_text);

// "1", "2", "all": the tiers to run.
Result<std::vector<Tier>> select_tiers(const std::vector<Tier>& tiers, const std::string& which);

// Pass when the measured peak resident memory fits the tier's budget.
inline bool fits_budget(uint64_t peak_rss_bytes, const Tier& tier) {
  return peak_rss_bytes <= tier.ram_budget_bytes;
}

}  // namespace shoptalk::bench
