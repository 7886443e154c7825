#include "vault/index_reader.h"

#include <array>
#include <cstdint>
#include <cstring>

#include "vault/vault.h"

namespace darcy::vault {
namespace {

constexpr int kMaxDepth = 256;

// Bytes that stand for themselves inside a JSON string: printable ASCII other
// than '"' and '\\'. One table lookup per byte keeps the scan cheap.
constexpr auto kPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return plain;
}();

// A strict JSON scanner over one buffer. Each method consumes one value (or
// token) and returns false on malformed input, leaving the position anywhere.
class Scanner {
 public:
  explicit Scanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  void skip_ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  bool at_end() {
    skip_ws();
    return p_ == end_;
  }
  // Consumes `c` after whitespace.
  bool eat(char c) {
    skip_ws();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool peek(char c) {
    skip_ws();
    return p_ < end_ && *p_ == c;
  }

  bool string(std::string& out) {
    out.clear();
    if (!eat('"')) return false;
    while (true) {
      const char* run = p_;
      skip_plain_words();
      while (p_ < end_ && kPlain[static_cast<unsigned char>(*p_)]) ++p_;
      out.append(run, static_cast<std::size_t>(p_ - run));
      if (p_ == end_) return false;
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (!escape(out)) return false;
      } else if (c < 0x20) {
        return false;
      } else if (!utf8(out)) {
        return false;
      }
    }
  }

  // A JSON number that is an integer in int64 range (no fraction, no
  // exponent); false for anything else (the caller may rewind and skip it).
  bool integer(std::int64_t& out) {
    skip_ws();
    const char* start = p_;
    if (!number()) return false;
    std::string_view token(start, static_cast<std::size_t>(p_ - start));
    const bool negative = token.front() == '-';
    if (negative) token.remove_prefix(1);
    if (token.find_first_not_of("0123456789") != std::string_view::npos) return false;
    std::uint64_t value = 0;
    for (char d : token) {
      const auto digit = static_cast<std::uint64_t>(d - '0');
      if (value > (UINT64_MAX - digit) / 10) return false;
      value = value * 10 + digit;
    }
    const auto limit = static_cast<std::uint64_t>(INT64_MAX) + (negative ? 1 : 0);
    if (value > limit) return false;
    out = negative ? static_cast<std::int64_t>(0 - value) : static_cast<std::int64_t>(value);
    return true;
  }

  bool boolean(bool& out) {
    skip_ws();
    if (literal("true")) {
      out = true;
      return true;
    }
    if (literal("false")) {
      out = false;
      return true;
    }
    return false;
  }

  // Skips any JSON value.
  bool skip_value(int depth = 0) {
    if (depth > kMaxDepth) return false;
    skip_ws();
    if (p_ == end_) return false;
    std::string scratch;
    switch (*p_) {
      case '"': return string(scratch);
      case '{': {
        ++p_;
        if (eat('}')) return true;
        do {
          if (!string(scratch) || !eat(':') || !skip_value(depth + 1)) return false;
        } while (eat(','));
        return eat('}');
      }
      case '[': {
        ++p_;
        if (eat(']')) return true;
        do {
          if (!skip_value(depth + 1)) return false;
        } while (eat(','));
        return eat(']');
      }
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: return number();
    }
  }

 private:
  // Skips whole 8-byte words of plain string bytes (SWAR: no '"', no '\\', no
  // control character, no byte >= 0x80); the base64 of sealed secrets is
  // most of the file.
  void skip_plain_words() {
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
    while (end_ - p_ >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p_, sizeof w);
      const std::uint64_t quote = w ^ (kOnes * '"');
      const std::uint64_t slash = w ^ (kOnes * '\\');
      const std::uint64_t special = ((w - kOnes * 0x20) & ~w) | ((quote - kOnes) & ~quote) |
                                    ((slash - kOnes) & ~slash) | w;
      if ((special & kHighs) != 0) return;
      p_ += 8;
    }
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  static bool digit(char c) { return c >= '0' && c <= '9'; }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool number() {
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ == end_ || !digit(*p_)) return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ < end_ && digit(*p_)) ++p_;
    }
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || !digit(*p_)) return false;
      while (p_ < end_ && digit(*p_)) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !digit(*p_)) return false;
      while (p_ < end_ && digit(*p_)) ++p_;
    }
    return true;
  }

  bool hex4(std::uint32_t& out) {
    if (end_ - p_ < 4) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      out <<= 4;
      if (c >= '0' && c <= '9') {
        out |= static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        out |= static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        out |= static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        return false;
      }
    }
    return true;
  }

  static void put_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool escape(std::string& out) {
    ++p_;  // the backslash
    if (p_ == end_) return false;
    const char c = *p_++;
    switch (c) {
      case '"': out.push_back('"'); return true;
      case '\\': out.push_back('\\'); return true;
      case '/': out.push_back('/'); return true;
      case 'b': out.push_back('\b'); return true;
      case 'f': out.push_back('\f'); return true;
      case 'n': out.push_back('\n'); return true;
      case 'r': out.push_back('\r'); return true;
      case 't': out.push_back('\t'); return true;
      case 'u': {
        std::uint32_t cp = 0;
        if (!hex4(cp)) return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a lone low surrogate
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          std::uint32_t low = 0;
          if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
          p_ += 2;
          if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        put_utf8(out, cp);
        return true;
      }
      default: return false;
    }
  }

  // One well-formed UTF-8 sequence of 2-4 bytes (RFC 3629: no overlongs, no
  // surrogates, nothing above U+10FFFF).
  bool utf8(std::string& out) {
    const auto* s = reinterpret_cast<const unsigned char*>(p_);
    const auto left = static_cast<std::size_t>(end_ - p_);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
      n = 2;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
      n = 3;
      if (s[0] == 0xE0) lo = 0xA0;
      if (s[0] == 0xED) hi = 0x9F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
      n = 4;
      if (s[0] == 0xF0) lo = 0x90;
      if (s[0] == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (left < n || s[1] < lo || s[1] > hi) return false;
    for (std::size_t i = 2; i < n; ++i) {
      if (s[i] < 0x80 || s[i] > 0xBF) return false;
    }
    out.append(p_, n);
    p_ += n;
    return true;
  }

  const char* p_;
  const char* end_;
};

// Calls `member(key)` for each member of an object; `member` consumes the
// value and returns false on a malformed one.
template <class F>
bool read_object(Scanner& in, std::string& key, F&& member) {
  if (!in.eat('{')) return false;
  if (in.eat('}')) return true;
  do {
    if (!in.string(key) || !in.eat(':') || !member(key)) return false;
  } while (in.eat(','));
  return in.eat('}');
}

enum EntryField : unsigned {
  kId = 1u << 0, kUrl = 1u << 1, kKey = 1u << 2, kUsername = 1u << 3, kEmail = 1u << 4,
  kPublic = 1u << 5, kSource = 1u << 6, kFetchedAt = 1u << 7, kSealed = 1u << 8,
  kAllEntryFields = (1u << 9) - 1,
};

}  // namespace

Result<Index> read_index(std::string_view text, const std::string& path,
                         const PublicKey& node_public_key) {
  auto corrupt = [&](const std::string& why) {
    return Error::Corruption(path + " is corrupt (" + why +
                             "); it was left as it is. Fix: restore it from a backup, or move "
                             "it aside and run 'docker-credential-darcy sync' to fetch again");
  };
  Scanner in(text);
  if (!in.peek('{')) {
    // Tell "valid JSON of the wrong kind" from "not JSON" as a DOM parser would.
    Scanner probe(text);
    return corrupt(probe.skip_value() && probe.at_end() ? "not a JSON object" : "not valid JSON");
  }
  Index index;
  std::string key, format, pk, source, value;
  bool have_format = false, have_pk = false, have_index = false, have_entries = false;
  bool index_ok = false, entries_ok = true;
  std::size_t bad_entry = 0;
  bool bad_source = false;  // the first bad entry's fault is its source

  const bool parsed = read_object(in, key, [&](const std::string& name) -> bool {
    if (name == "format") {
      if (in.peek('"')) {
        have_format = true;
        return in.string(format);
      }
      have_format = false;
      return in.skip_value();
    }
    if (name == "nodePublicKey") {
      if (in.peek('"')) {
        have_pk = true;
        return in.string(pk);
      }
      have_pk = false;
      return in.skip_value();
    }
    if (name == "index") {
      have_index = true;
      index_ok = false;
      if (!in.peek('{')) return in.skip_value();
      bool synced = false, etag = false;
      std::string inner;
      const bool ok = read_object(in, inner, [&](const std::string& field) -> bool {
        if (field == "syncedAt") {
          Scanner save = in;
          synced = in.integer(index.synced_at);
          if (synced) return true;
          in = save;
          return in.skip_value();
        }
        if (field == "etag") {
          etag = in.peek('"');
          return etag ? in.string(index.etag) : in.skip_value();
        }
        return in.skip_value();
      });
      index_ok = ok && synced && etag;
      return ok;
    }
    if (name == "entries") {
      have_entries = true;
      index.entries.clear();
      bad_entry = 0;
      bad_source = false;
      if (!in.peek('[')) {
        entries_ok = false;
        return in.skip_value();
      }
      entries_ok = true;
      in.eat('[');
      if (in.eat(']')) return true;
      do {
        Entry e;
        unsigned seen = 0;
        bool good = in.peek('{');
        if (!good) {
          if (!in.skip_value()) return false;
        } else {
          std::string field;
          const bool ok = read_object(in, field, [&](const std::string& f) -> bool {
            auto str = [&](std::string& out, unsigned bit) {
              if (!in.peek('"')) {
                seen &= ~bit;
                return in.skip_value();
              }
              seen |= bit;
              return in.string(out);
            };
            auto num = [&](std::int64_t& out, unsigned bit) {
              Scanner save = in;
              if (in.integer(out)) {
                seen |= bit;
                return true;
              }
              seen &= ~bit;
              in = save;
              return in.skip_value();
            };
            if (f == "id") return num(e.id, kId);
            if (f == "url") return str(e.url, kUrl);
            if (f == "key") return str(e.key, kKey);
            if (f == "username") return str(e.username, kUsername);
            if (f == "email") return str(e.email, kEmail);
            if (f == "source") return str(source, kSource);
            if (f == "fetchedAt") return num(e.fetched_at, kFetchedAt);
            if (f == "sealed") return str(e.sealed, kSealed);
            if (f == "public") {
              Scanner save = in;
              if (in.boolean(e.is_public)) {
                seen |= kPublic;
                return true;
              }
              seen &= ~kPublic;
              in = save;
              return in.skip_value();
            }
            return in.skip_value();
          });
          if (!ok) return false;
          if (seen == kAllEntryFields && e.id >= 0) {
            if (source == "controller") {
              e.source = Source::kController;
            } else if (source == "local") {
              e.source = Source::kLocal;
            } else {
              good = false;
              if (bad_entry == 0) bad_source = true;
            }
          } else {
            good = false;
          }
        }
        if (!good && bad_entry == 0) bad_entry = index.entries.size() + 1;
        index.entries.push_back(std::move(e));
      } while (in.eat(','));
      return in.eat(']');
    }
    return in.skip_value();
  });
  if (!parsed || !in.at_end()) return corrupt("not valid JSON");

  if (!have_format || format != kVaultFormat) {
    return corrupt("format is not " + std::string(kVaultFormat));
  }
  if (!have_pk) return corrupt("nodePublicKey is missing");
  if (pk != public_key_base64(node_public_key)) {
    return Error::Corruption(path + " was sealed for another node key than " +
                             std::string(kNodePubFile) + "; its secrets cannot be opened here");
  }
  if (!have_index || !index_ok) return corrupt("index is missing or malformed");
  if (!have_entries || !entries_ok) return corrupt("entries is not an array");
  if (bad_entry != 0) {
    // The file's own text is never quoted: it may hold anything, newlines included.
    if (bad_source) {
      return corrupt("entry " + std::to_string(bad_entry) +
                     " has a source other than controller or local");
    }
    return corrupt("entry " + std::to_string(bad_entry) + " is malformed");
  }
  return index;
}

}  // namespace darcy::vault
