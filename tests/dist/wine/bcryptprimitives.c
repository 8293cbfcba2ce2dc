/* Test-only stand-in for Windows' bcryptprimitives.dll, which Debian's wine 8 does not provide.
 * Rust's std (1.78+) and the getrandom crate take their randomness from its ProcessPrng; this
 * ProcessPrng fills the buffer from RtlGenRandom (advapi32's SystemFunction036, which wine has).
 * scripts/test-platforms.sh builds it with mingw-w64 into the wine prefix used for the tests
 * (target/platforms/wine); nothing we ship contains or needs it on Windows 10 and later.
 *
 *   x86_64-w64-mingw32-gcc -shared -O2 -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
