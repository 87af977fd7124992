"""release_host_memory: freed heap memory goes back to the OS (glibc keeps it otherwise), measured by RSS."""
import platform

import pytest

from ftlab.device import _current_rss_mb, release_host_memory


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="malloc_trim is glibc's; elsewhere the function returns 0 by design")
def test_freed_heap_memory_is_returned_to_the_os():
    release_host_memory()
    chunks = [bytearray(100_000) for _ in range(3000)]  # ~300 MB of heap blocks (below the mmap threshold)
    keep = bytearray(100_000)  # allocated last, on top of them: free() alone cannot shrink the heap
    grown = _current_rss_mb()
    del chunks
    held = _current_rss_mb()
    assert held > grown - 100  # glibc still holds most of it
    released = release_host_memory()
    assert released > 150 and _current_rss_mb() < held - 150
    assert len(keep) == 100_000
