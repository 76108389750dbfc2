// Helpers for unit tests that load configs: a fixed environment and the loader's messages, one per line.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "emulator/model/config.hpp"

namespace test {

// Load options whose ${VAR}s come from `vars` only, never from the test's own environment.
inline apigw::model::LoadOptions env(std::map<std::string, std::string> vars = {}) {
  apigw::model::LoadOptions o;
  o.env = [vars](const std::string& n) -> std::optional<std::string> {
    auto it = vars.find(n);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  return o;
}

// Joined with newlines so that a failing CHECK prints every message.
inline std::string messages(const apigw::model::LoadResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics) out += d.format() + "\n";
  return out;
}

}  // namespace test
