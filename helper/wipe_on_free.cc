// Every block the C++ runtime frees is wiped first, in both executables.
//
// Secrets are kept in sodium_malloc memory (vault/secure_memory.h), but some
// library code copies what it reads into ordinary buffers it owns: the
// nlohmann::json lexer keeps every token it scans in a std::vector<char>, and
// libstdc++ streams have their own buffers. Wiping on free leaves no such copy
// behind in freed heap memory. It costs a memset per free, which in a
// short-lived process is noise.
#include <malloc.h>
#include <sodium.h>

#include <cstdlib>
#include <new>

namespace {

void wipe_and_free(void* p) noexcept {
  if (p == nullptr) return;
  sodium_memzero(p, malloc_usable_size(p));
  std::free(p);
}

void* allocate(std::size_t size) {
  void* p = std::malloc(size == 0 ? 1 : size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

// new is replaced too, so that every block delete frees came from malloc.
void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return std::malloc(size == 0 ? 1 : size);
}

void operator delete(void* p) noexcept { wipe_and_free(p); }
void operator delete[](void* p) noexcept { wipe_and_free(p); }
void operator delete(void* p, std::size_t) noexcept { wipe_and_free(p); }
void operator delete[](void* p, std::size_t) noexcept { wipe_and_free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { wipe_and_free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { wipe_and_free(p); }
