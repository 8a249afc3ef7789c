let fetch = derivation { name = "src"; system = "x86_64-linux"; builder = "/bin/sh"; args = ["-c" "echo"]; outputHashMode = "flat"; outputHashAlgo = "sha256"; outputHash = "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"; };
in derivation { name = "build"; system = "x86_64-linux"; builder = "/bin/sh"; args = ["-c" "echo ${fetch}"]; outputs = ["out" "dev"]; }
