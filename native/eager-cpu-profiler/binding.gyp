{
  "targets": [
    {
      "target_name": "eager_cpu_profiler",
      "sources": ["eager_cpu_profiler.cc"],
      "include_dirs": ["../common"],
      "cflags_cc": ["-std=c++17", "-O2"]
    }
  ]
}
