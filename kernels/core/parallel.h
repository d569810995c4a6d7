// Splits [0, n) into contiguous chunks run on the host's cores; for fp64 references and input
// generation of the largest problems. `body(begin, end)` must only write its own range.
#pragma once
#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace llmkb {

template <class Body>
void parallel_for(size_t n, Body&& body, size_t min_chunk = 1 << 16) {
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const size_t chunks = std::min(cores, (n + min_chunk - 1) / std::max<size_t>(min_chunk, 1));
  if (chunks <= 1) {
    body(size_t{0}, n);
    return;
  }
  std::vector<std::thread> threads;
  const size_t step = (n + chunks - 1) / chunks;
  for (size_t begin = 0; begin < n; begin += step) {
    threads.emplace_back([&body, begin, end = std::min(n, begin + step)] { body(begin, end); });
  }
  for (std::thread& t : threads) t.join();
}

}  // namespace llmkb
