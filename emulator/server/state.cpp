#include "emulator/server/state.hpp"

#include <cerrno>
#include <cstdlib>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "emulator/server/gateway.hpp"
#include "emulator/util/text.hpp"

namespace apigw::server {

namespace {

using Json = nlohmann::ordered_json;

// Items in insertion order (lists come back in the order they were created), with an index by key.
class Collection {
 public:
  Json* find(const std::string& key) {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &it->second->second;
  }
  void add(const std::string& key, Json item) {
    items_.emplace_back(key, std::move(item));
    index_.emplace(key, std::prev(items_.end()));
  }
  void remove(const std::string& key) {
    auto it = index_.find(key);
    items_.erase(it->second);
    index_.erase(it);
  }
  size_t size() const { return items_.size(); }
  Json list() const {
    Json out = Json::array();
    for (const auto& [k, v] : items_) out.push_back(v);
    return out;
  }
  std::string next_key() {
    while (index_.count(std::to_string(next_id_))) ++next_id_;
    return std::to_string(next_id_++);
  }

 private:
  std::list<std::pair<std::string, Json>> items_;
  std::unordered_map<std::string, std::list<std::pair<std::string, Json>>::iterator> index_;
  int64_t next_id_ = 1;
};

std::mutex g_mutex;
std::map<std::string, Collection> g_collections;

std::string key_text(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string dump(const Json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// A key as the path gives it becomes a number when it reads as one, as POST would have made it.
Json key_value(const std::string& key) {
  char* end = nullptr;
  errno = 0;
  long long n = std::strtoll(key.c_str(), &end, 10);
  if (!key.empty() && *end == '\0' && errno == 0 && (key == "0" || key[0] != '0')) return n;
  return key;
}

void send(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(dump(body), "application/json");
}

}  // namespace

void answer_stateful(const model::Route& route, const router::Params& params, std::string_view raw_path,
                     const httplib::Request& req, httplib::Response& res) {
  const auto& segments = route.path.segments;
  bool item_route = !segments.empty() && segments.back().kind == router::Segment::Kind::Param && !params.empty();
  // The collection: its name, scoped by the parameters that come before the item's own.
  std::string name = route.state;
  size_t scope = params.size() - (item_route ? 1 : 0);
  for (size_t i = 0; i < scope; ++i) name += (i ? "," : "[") + params[i].second + (i + 1 == scope ? "]" : "");
  std::string method = req.method == "HEAD" ? "GET" : req.method;
  std::optional<Json> body;
  if (method == "POST" || method == "PUT" || method == "PATCH") {
    body = Json::parse(req.body, nullptr, false);
    if (body->is_discarded() || !body->is_object()) {
      set_problem(res, 400, "Bad Request", "a stateful route stores JSON objects; the request body is not one");
      return;
    }
  }
  const std::string& key_field = route.state_key;
  auto not_found = [&](const std::string& key) {
    set_problem(res, 404, "Not Found", "'" + name + "' has no item with " + key_field + " " + key);
  };
  auto full = [&](Collection& c) {
    if (c.size() < k_state_max_items) return false;
    set_problem(res, 507, "Insufficient Storage",
                "'" + name + "' already holds " + std::to_string(k_state_max_items) + " items, the most a stateful mock keeps");
    return true;
  };

  std::lock_guard lock(g_mutex);
  Collection& c = g_collections[name];
  if (!item_route) {
    if (method == "GET") {
      send(res, 200, c.list());
    } else if (method == "POST") {
      if (full(c)) return;
      Json& item = *body;
      if (!item.contains(key_field) || item[key_field].is_null()) item[key_field] = key_value(c.next_key());
      const Json& k = item[key_field];
      if (!k.is_string() && !k.is_number_integer()) {
        set_problem(res, 400, "Bad Request", "the item's '" + key_field + "' must be a string or an integer");
        return;
      }
      std::string key = key_text(k);
      if (c.find(key)) {
        set_problem(res, 409, "Conflict", "'" + name + "' already has an item with " + key_field + " " + key);
        return;
      }
      std::string base(raw_path);
      while (!base.empty() && base.back() == '/') base.pop_back();
      res.set_header("Location", base + "/" + util::percent_encode_segment(key));
      send(res, 201, item);
      c.add(key, std::move(item));
    } else {
      set_problem(res, 405, "Method Not Allowed", "a stateful collection route answers GET and POST");
      res.set_header("Allow", "GET, HEAD, POST");
    }
    return;
  }
  const std::string& key = params.back().second;
  Json* found = c.find(key);
  if (method == "GET") {
    if (!found) return not_found(key);
    send(res, 200, *found);
  } else if (method == "PUT") {
    Json& item = *body;
    item[key_field] = found ? (*found)[key_field] : key_value(key);  // the path names the item, not the body
    if (found) {
      *found = item;
      send(res, 200, item);
    } else {
      if (full(c)) return;
      send(res, 201, item);
      c.add(key, std::move(item));
    }
  } else if (method == "PATCH") {
    if (!found) return not_found(key);
    Json keep = (*found)[key_field];
    found->merge_patch(*body);  // RFC 7396: null removes a member
    (*found)[key_field] = keep;
    send(res, 200, *found);
  } else if (method == "DELETE") {
    if (!found) return not_found(key);
    c.remove(key);
    res.status = 204;
  } else {
    set_problem(res, 405, "Method Not Allowed", "a stateful item route answers GET, PUT, PATCH and DELETE");
    res.set_header("Allow", "GET, HEAD, PUT, PATCH, DELETE");
  }
}

std::string state_json() {
  Json out = Json::object();
  std::lock_guard lock(g_mutex);
  for (const auto& [name, c] : g_collections)
    if (c.size()) out[name] = c.list();
  return dump(out) + "\n";
}

void clear_state() {
  std::lock_guard lock(g_mutex);
  g_collections.clear();
}

}  // namespace apigw::server
