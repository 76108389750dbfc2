#include "emulator/policy/credentials.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <memory>

namespace apigw::policy {

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

HashKind hash_kind(std::string_view s) {
  auto starts = [&](std::string_view p) { return s.substr(0, p.size()) == p; };
  if ((starts("$2y$") || starts("$2b$") || starts("$2a$")) && s.size() == 60) return HashKind::Bcrypt;
  if ((starts("$5$") || starts("$6$")) && s.size() > 4) return HashKind::ShaCrypt;
  if (starts("{SHA}") && s.size() == 5 + 28) return HashKind::Sha1;
  return HashKind::None;
}

namespace {

std::string base64_std(const unsigned char* data, size_t len) {
  std::string out(4 * ((len + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(len));
  out.resize(static_cast<size_t>(n));
  return out;
}

}  // namespace

bool check_password(std::string_view password, std::string_view stored) {
  switch (hash_kind(stored)) {
    case HashKind::None: return false;
    case HashKind::Sha1: {
      unsigned char digest[SHA_DIGEST_LENGTH];
      SHA1(reinterpret_cast<const unsigned char*>(password.data()), password.size(), digest);
      return equal_constant_time(base64_std(digest, sizeof digest), stored.substr(5));
    }
    case HashKind::Bcrypt:
    case HashKind::ShaCrypt: {
      if (password.find('\0') != std::string_view::npos) return false;
      auto data = std::make_unique<crypt_data>();  // large: on the heap, one per call (crypt_r is reentrant)
      std::string phrase(password), setting(stored);
      const char* out = crypt_r(phrase.c_str(), setting.c_str(), data.get());
      OPENSSL_cleanse(phrase.data(), phrase.size());
      if (!out || out[0] == '*') return false;  // libxcrypt's failure tokens start with '*'
      return equal_constant_time(out, stored);
    }
  }
  return false;
}

std::vector<User> parse_htpasswd(std::string_view text, std::vector<FileProblem>& problems) {
  std::vector<User> users;
  size_t line_no = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = text.find('\n', i);
    std::string_view line = text.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i);
    i = end == std::string_view::npos ? text.size() : end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string_view::npos || line[start] == '#') continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      problems.push_back({line_no, 1, "expected 'user:hash'"});
      continue;
    }
    User u;
    u.name = std::string(line.substr(0, colon));
    std::string_view stored = line.substr(colon + 1);
    // htpasswd -B writes bcrypt; a trailing ":comment" field (some tools add one) is ignored.
    if (auto extra = stored.find(':'); extra != std::string_view::npos) stored = stored.substr(0, extra);
    if (stored.substr(0, 6) == "$apr1$") {
      problems.push_back({line_no, colon + 2, "user '" + u.name + "': Apache MD5 ($apr1$) is not supported; use bcrypt (htpasswd -B)"});
      continue;
    }
    if (hash_kind(stored) == HashKind::None) {
      problems.push_back({line_no, colon + 2,
                          "user '" + u.name +
                              "': not a bcrypt ($2y$), SHA-crypt ($5$, $6$) or {SHA} hash; plain-text and DES passwords "
                              "are refused (make one with htpasswd -B)"});
      continue;
    }
    u.hash = std::string(stored);
    users.push_back(std::move(u));
  }
  return users;
}

}  // namespace apigw::policy
