print("meshtop-bench: no benchmarks yet")
