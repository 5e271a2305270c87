// Keeps the addon loadable on glibc 2.34 and 2.35 (Ubuntu 22.04, RHEL 9, Amazon Linux 2023), not
// only on the 2.36 of the Debian it is built on.
//
// The addon links libstdc++ statically (it then needs no particular libstdc++ on the user's
// machine). GCC 12's libstdc++.a brings std::random_device's object in with its string
// instantiations, and built against glibc >= 2.36 that object calls arc4random, which glibc
// added in 2.36: the one reference that made the prebuilds need GLIBC_2.36. nnkit never uses
// std::random_device (its generator is seeded Philox), so a local arc4random on getrandom
// (glibc 2.25) satisfies the reference inside the addon; it is hidden, so nothing outside sees
// it. (The unwinder's _dl_find_object, glibc 2.35, is avoided by linking libgcc_s dynamically:
// Node itself needs libgcc_s, so it is on every machine that runs Node.)
#if defined(__linux__)
#include <sys/types.h>  // defines __GLIBC__ on glibc (musl does not, and has its own arc4random story)
#endif
#if defined(__linux__) && defined(__GLIBC__)
#include <stdlib.h>  // declares arc4random on glibc >= 2.36: the definition below must match it
#include <sys/random.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

extern "C" __attribute__((visibility("hidden"))) std::uint32_t arc4random() noexcept {
  const int saved_errno = errno;
  std::uint32_t value = 0;
  unsigned char* bytes = reinterpret_cast<unsigned char*>(&value);
  std::size_t have = 0;
  while (have < sizeof value) {
    const ssize_t got = getrandom(bytes + have, sizeof value - have, 0);
    if (got > 0) have += static_cast<std::size_t>(got);
    else if (got < 0 && errno != EINTR) break;  // no entropy source: random_device is unused anyway
  }
  errno = saved_errno;
  return value;
}
#endif
