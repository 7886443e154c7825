// Memory for secrets: every byte of a password, token or secret key lives in
// memory from libsodium's guarded allocator (sodium_malloc: guard pages,
// mlock'ed, excluded from core dumps) and is wiped when released.
//
// SecureAllocator<T> carves allocations from a process-wide pool of
// sodium_malloc blocks (one sodium_malloc per allocation would cost several
// system calls each, and the hot `get` path parses a small JSON document in
// this memory). Released allocations are wiped at once; blocks go back to the
// system at exit. SecureString and SecureJson are the standard string and
// nlohmann::json built on it, so parsing a secret never copies it to the
// ordinary heap.
//
// Thread safety: the pool is guarded by a mutex; the types are as thread safe
// as std::string and nlohmann::json.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace darcy {

// Initialises libsodium, disables core dumps and marks the process not
// dumpable (so ptrace by other users and /proc/<pid>/mem reads are refused).
// Call first thing in main(). Returns false if libsodium cannot initialise.
bool harden_process();

namespace secure_pool {
void* allocate(std::size_t bytes);
void deallocate(void* p, std::size_t bytes) noexcept;
}  // namespace secure_pool

template <class T>
struct SecureAllocator {
  using value_type = T;
  SecureAllocator() noexcept = default;
  template <class U>
  SecureAllocator(const SecureAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
  T* allocate(std::size_t n) { return static_cast<T*>(secure_pool::allocate(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { secure_pool::deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const SecureAllocator<U>&) const noexcept { return true; }
};

using SecureString = std::basic_string<char, std::char_traits<char>, SecureAllocator<char>>;

using SecureJson = nlohmann::basic_json<std::map, std::vector, SecureString, bool, std::int64_t,
                                        std::uint64_t, double, SecureAllocator>;

inline std::string_view view(const SecureString& s) { return {s.data(), s.size()}; }

// Constant-time comparison of two byte strings (sodium_memcmp); false on length mismatch.
bool secure_equal(std::string_view a, std::string_view b);

// Appends `text` to `out` as a JSON string literal (quotes included), escaping
// as nlohmann::json does. Used to write secrets into output without a copy on
// the ordinary heap.
void append_json_string(SecureString& out, std::string_view text);

// Base64 (standard alphabet, padded) helpers on top of libsodium.
std::string base64_encode(std::string_view bytes);
// Returns false on invalid input.
bool base64_decode(std::string_view text, std::string& out);
bool base64_decode(std::string_view text, SecureString& out);

}  // namespace darcy
