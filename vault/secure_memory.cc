#include "vault/secure_memory.h"

#include <sodium.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>

namespace darcy {

bool harden_process() {
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  return sodium_init() >= 0;
}

namespace secure_pool {
namespace {

// sodium_malloc fills each new block and sodium_free wipes it, so blocks start
// small (a hot get needs a few KiB) and double up to a ceiling.
constexpr std::size_t kFirstBlockSize = 4 * 1024;
constexpr std::size_t kMaxBlockSize = 256 * 1024;
constexpr std::size_t kAlign = alignof(std::max_align_t);

struct Block {
  unsigned char* base;
  std::size_t size;
  std::size_t used;
};

// Blocks are never released before exit; a credential helper is a
// short-lived process and darcy-fetch's use is bounded by one response.
class Pool {
 public:
  ~Pool() {
    for (Block& b : blocks_) sodium_free(b.base);  // sodium_free wipes
  }

  void* allocate(std::size_t bytes) {
    std::lock_guard<std::mutex> lock(mu_);
    const std::size_t need = round_up(std::max<std::size_t>(bytes, 1));
    if (blocks_.empty() || blocks_.back().size - blocks_.back().used < need) {
      if (sodium_init() < 0) throw std::bad_alloc();
      const std::size_t next =
          blocks_.empty() ? kFirstBlockSize : std::min(blocks_.back().size * 2, kMaxBlockSize);
      const std::size_t size = std::max(next, need);
      auto* base = static_cast<unsigned char*>(sodium_malloc(size));
      if (base == nullptr) throw std::bad_alloc();
      blocks_.push_back(Block{base, size, 0});
    }
    Block& b = blocks_.back();
    void* p = b.base + b.used;
    b.used += need;
    return p;
  }

  void deallocate(void* p, std::size_t bytes) noexcept {
    if (p == nullptr) return;
    const std::size_t need = round_up(std::max<std::size_t>(bytes, 1));
    sodium_memzero(p, need);
    std::lock_guard<std::mutex> lock(mu_);
    // The most recent allocation of the newest block is given back, so a
    // growing string (allocate new, free old) does not leak its old buffer.
    if (!blocks_.empty()) {
      Block& b = blocks_.back();
      if (static_cast<unsigned char*>(p) + need == b.base + b.used) b.used -= need;
    }
  }

 private:
  static std::size_t round_up(std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

  std::mutex mu_;
  std::vector<Block> blocks_;
};

Pool& pool() {
  // Leaked on purpose: secure strings may be destroyed by other static
  // destructors after this one would have run. The OS reclaims the pages.
  static Pool* p = new Pool();
  return *p;
}

}  // namespace

void* allocate(std::size_t bytes) { return pool().allocate(bytes); }
void deallocate(void* p, std::size_t bytes) noexcept { pool().deallocate(p, bytes); }

}  // namespace secure_pool

bool secure_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

void append_json_string(SecureString& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

std::string base64_encode(std::string_view bytes) {
  std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

namespace {
template <class S>
bool decode_into(std::string_view text, S& out) {
  out.assign(text.size() / 4 * 3 + 3, '\0');
  std::size_t len = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return false;
  }
  out.resize(len);
  return true;
}
}  // namespace

bool base64_decode(std::string_view text, std::string& out) { return decode_into(text, out); }
bool base64_decode(std::string_view text, SecureString& out) { return decode_into(text, out); }

}  // namespace darcy
