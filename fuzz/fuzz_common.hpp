// Shared helpers for the libFuzzer targets (fuzz/fuzz_*.cpp) and their regression replay
// (tests/unit/test_fuzz_regressions.cpp). Each target defines apigw::fuzz::run_<target>(data, size), the one entry
// point both call; LLVMFuzzerTestOneInput exists only in the fuzz build (APIGW_FUZZ_NO_MAIN unset).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace apigw::fuzz {

// Inputs made of several documents (a schema and an instance; an OpenAPI root and the files it refers to) separate
// them with this line. Seeds and dictionaries use it too.
inline constexpr std::string_view k_separator = "\n#%%\n";

inline std::vector<std::string_view> split_parts(std::string_view text, size_t max_parts) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < max_parts) {
    size_t at = text.find(k_separator);
    if (at == std::string_view::npos) break;
    parts.push_back(text.substr(0, at));
    text.remove_prefix(at + k_separator.size());
  }
  parts.push_back(text);
  return parts;
}

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

void run_doc_json(const uint8_t* data, size_t size);
void run_doc_yaml(const uint8_t* data, size_t size);
void run_config(const uint8_t* data, size_t size);
void run_openapi(const uint8_t* data, size_t size);
void run_schema(const uint8_t* data, size_t size);
void run_router(const uint8_t* data, size_t size);
void run_request(const uint8_t* data, size_t size);
void run_policy(const uint8_t* data, size_t size);

}  // namespace apigw::fuzz

#ifndef APIGW_FUZZ_NO_MAIN
#define APIGW_FUZZ_MAIN(target)                                                   \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {       \
    apigw::fuzz::run_##target(data, size);                                        \
    return 0;                                                                     \
  }
#else
#define APIGW_FUZZ_MAIN(target)
#endif
