# From "Unexpected caching" on Discourse: two pulls with one sha256. The question began
# `with (import <nixpkgs> {});` — here the prelude stands in for nixpkgs.
with (import ./prelude.nix);
rec {
  pullImageBase = var: {imageName, ref, sha256}:
    stdenv.mkDerivation {
      name = "docker-image_sha256_${ref}";

      outputHashAlgo = "sha256";
      outputHashMode = "recursive";
      outputHash = sha256;

      buildInput = [ skopeo ];

      tmp = "./tmp_dir";

      buildCommand = ''
      mkdir $tmp
      mkdir $out
      ${skopeo}/bin/skopeo copy --src-tls-verify=false docker://${imageName}@sha256:${ref} dir:$tmp
      cp $tmp/manifest.json $out/${var}
      '';
    };
  pullImage = pullImageBase "first.json";
  pullImage2 = pullImageBase "second.json";

  foo = pullImage {
    imageName = "library/alpine";
    ref = "7df6db5aa61ae9480f52f0b3a06a140ab98d427f86d8d5de0bedab9b8df6b1c0";
    sha256 = "070kc10wxi332na7p9mgwr18a6wsz5nzx2krhgz7b2548d7fk3v3";
  };
  bar = pullImage2 {
    imageName = "library/alpine";
    ref = "7df6db5aa61ae9480f52f0b3a06a140ab98d427f86d8d5de0bedab9b8df6b1c0";
    sha256 = "070kc10wxi332na7p9mgwr18a6wsz5nzx2krhgz7b2548d7fk3v3";
  };
}
