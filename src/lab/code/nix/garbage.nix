# From the blog post on verifying fixed-output derivations: a fetcher whose script is garbage.
# It "builds" whenever its output path is already in a store or cache. (nix repl '<nixpkgs>'
# there; the prelude's runCommandLocal here.)
with (import ./prelude.nix);
{
  myfetch = runCommandLocal "myfetch" {
    outputHash = "sha256:04jnq6arig0amz0scadavbzn9bg9k4zphmrm1562n6ygfj1dnj45";
  } ''Garbage. This should be a script executable by bash calling curl. It isn’t.'';
}
