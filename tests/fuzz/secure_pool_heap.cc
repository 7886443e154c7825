// In the fuzz and replay builds the linker's --wrap sends SecureAllocator's
// calls of darcy::secure_pool::allocate/deallocate here, to the ordinary heap
// (tests/fuzz/CMakeLists.txt). Two reasons:
//  - the pool carves allocations out of larger sodium_malloc blocks, so
//    AddressSanitizer cannot see a read or write past the end of a
//    SecureString or a SecureJson node; on the heap every one is checked;
//  - the pool takes back only its most recent allocation, which suits a
//    short-lived helper process but grows without bound over the millions of
//    inputs a fuzzer runs in one process.
// Released memory is still wiped, as the pool does.
#include <sodium.h>

#include <cstddef>
#include <cstdlib>
#include <new>

// NOLINTBEGIN(bugprone-reserved-identifier): names fixed by ld's --wrap.
extern "C" void* __wrap__ZN5darcy11secure_pool8allocateEm(std::size_t bytes) {
  void* p = std::malloc(bytes == 0 ? 1 : bytes);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

extern "C" void __wrap__ZN5darcy11secure_pool10deallocateEPvm(void* p, std::size_t bytes) noexcept {
  if (p == nullptr) return;
  sodium_memzero(p, bytes);
  std::free(p);
}
// NOLINTEND(bugprone-reserved-identifier)
