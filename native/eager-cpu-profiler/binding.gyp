{
  "targets": [
    {
      "target_name": "eager_cpu_profiler",
      "sources": ["eager_cpu_profiler.cc"],
      "cflags_cc": ["-std=c++17", "-O2"]
    }
  ]
}
