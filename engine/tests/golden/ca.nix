let ca = derivation { name = "ca"; system = "x86_64-linux"; builder = "/bin/sh"; args = ["-c" "echo"]; __contentAddressed = true; outputHashMode = "recursive"; outputHashAlgo = "sha256"; outputs = ["out" "lib"]; };
in derivation { name = "dep"; system = "x86_64-linux"; builder = "/bin/sh"; args = ["-c" "echo ${ca} ${ca.lib}"]; outputs = ["out" "doc"]; }
