// Stateful mocks (opt-in per route with `state:`, or `apigw serve SPEC --stateful`): routes that name the same
// collection share an in-memory store. On a collection path (not ending in a parameter) GET lists and POST creates;
// on an item path (ending in {param}) GET reads, PUT replaces (or creates), PATCH merges (RFC 7396), DELETE removes.
// Parameters before the last one scope the collection (/users/{user}/repos keeps one list per user). The store
// outlives config reloads, so `--watch` does not forget what a client created.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "emulator/model/config.hpp"
#include "emulator/router/router.hpp"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace apigw::server {

// Items one collection keeps; a POST or PUT beyond it answers 507 (the store is for development, not a database).
inline constexpr size_t k_state_max_items = 10000;

void answer_stateful(const model::Route& route, const router::Params& params, std::string_view raw_path,
                     const httplib::Request& req, httplib::Response& res);

// GET /__apigw/state: every collection with its items, as JSON. DELETE /__apigw/state empties them all.
std::string state_json();
void clear_state();

}  // namespace apigw::server
