{
  "targets": [
    {
      "target_name": "fibernet",
      "sources": [
        "native/addon.cc",
        "native/fiber.cc",
        "native/backend_threads.cc",
        "native/backend_stacks.cc",
        "native/v8_slots.cc",
        "native/stack_switch.cc",
        "native/loop.cc",
        "native/monitor.cc",
        "native/accept.cc",
        "native/sockopt.cc"
      ],
      "cflags_cc": ["-std=c++20", "-O2", "-fno-exceptions"],
      "cflags_cc!": ["-std=gnu++17", "-std=c++17"],
      "libraries": ["-lpthread", "-ldl"]
    }
  ]
}
