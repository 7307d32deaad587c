{
  "targets": [
    {
      "target_name": "gc_pause_clock",
      "sources": ["gc_pause_clock.cc"],
      "include_dirs": ["../common"],
      "cflags_cc": ["-std=c++17", "-O2"]
    }
  ]
}
