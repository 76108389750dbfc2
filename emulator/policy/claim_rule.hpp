// A JWT claim that must hold a value, shared by the config model and the policy code.
#pragma once

#include <string>
#include <vector>

namespace apigw::policy {

// The claim (dots walk into objects: "realm_access.roles") must equal one of `values`, or be a list holding one.
struct ClaimRule {
  std::string claim;
  std::vector<std::string> values;
};

}  // namespace apigw::policy
