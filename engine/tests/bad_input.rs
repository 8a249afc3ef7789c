//! Malformed input of every kind gives a clear error that says what and where — never a panic.
//! Each case asserts the engine's exact message (or the precise part naming entry and field).
#![cfg(not(target_arch = "wasm32"))]

use drvlab_engine::aterm::parse_aterm;
use drvlab_engine::graph::{resolve, Options};
use drvlab_engine::hash::{Hash, HashAlgo};
use drvlab_engine::import::import_json;

fn aterm_err(text: &[u8]) -> String {
    parse_aterm(text, "x").expect_err("must not parse").to_string()
}

const GOOD: &str = r#"Derive([("out","","","")],[],[],"x86_64-linux","/bin/sh",["-c","echo"],[("builder","/bin/sh"),("name","x"),("out",""),("system","x86_64-linux")])"#;

#[test]
fn malformed_aterm() {
    let cases: &[(&[u8], &str)] = &[
        (b"", "line 1, column 1: expected \"Derive(\", found the end of the text"),
        (b"Derive", "line 1, column 1: expected \"Derive(\", found \"Derive\""),
        (b"Derive(", "line 1, column 8: expected '[' to open the outputs, found the end of the text"),
        (b"Derive([(\"out\"", "line 1, column 15: expected \",\", found the end of the text"),
        (b"Derive([(\"out", "line 1, column 10: string for an output name is not closed"),
        // Nix's `parseDerivation` reads any escape, any order, raw control characters: so does
        // drvlab (tests in aterm.rs); what it refuses is what Nix refuses.
        (b"Derive([],[],[\"/b\",\"/a\"],\"s\",\"b\",[],[])", "line 1, column 15: an input source \"/b\": is too short to be a store path (<store dir>/<32-character hash>-<name>)"),
        (b"Derive([],[],[\"\"],\"s\",\"b\",[],[])", "line 1, column 15: an input source \"\": is empty, not a store path"),
        (b"Derive([],[(\"x.drv\",[\"out\"])],[],\"s\",\"b\",[],[])", "line 1, column 13: an input derivation \"x.drv\": is not an absolute path (a store path is <store dir>/<hash>-<name>)"),
        (b"Derive([(\"out\",\"/nix/store/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-x\",\"\",\"\")],[],[],\"s\",\"b\",[],[])", "line 1, column 16: output \"out\" path \"/nix/store/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-x\": has 'e' in its hash part, which is not nix32"),
        (b"Derive([],[],[],\"s\",\"b\",[],[])x", "line 1, column 31: unexpected text after the derivation: \"x\""),
        (b"Derive([],[],[],\"s\",\"\xff\",[],[])", "line 1, column 22: builder is not valid UTF-8"),
        (b"DrvWithVersion(\"xp-dyn-drv\",[])", "line 1, column 31: expected \",\", found \")\""),
        (b"DrvWithVersion(\"2\",[])", "line 1, column 16: unknown derivation version \"2\"; Nix knows \"xp-dyn-drv\""),
        (b"Derive([],[],[],\"s\",\"b\",[],[]", "line 1, column 30: expected \")\", found the end of the text"),
        (b"Derive([],[],[],\"s\",\"b\",[],[(\"a\")])", "line 1, column 33: expected \",\", found \")])\""),
        (b"Derive([],[],[],\"s\"", "line 1, column 20: expected \",\", found the end of the text"),
    ];
    for (text, want) in cases {
        assert_eq!(aterm_err(text), *want, "input {:?}", String::from_utf8_lossy(text));
    }
    // Every truncation of a real .drv is an error, never a panic.
    for i in 0..GOOD.len() {
        assert!(parse_aterm(&GOOD.as_bytes()[..i], "x").is_err(), "prefix {i} parsed");
    }
}

#[test]
fn malformed_hashes() {
    let e = |t: &str, a: Option<HashAlgo>| Hash::parse(t, a).expect_err("must not parse").to_string();
    let hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    assert_eq!(e("", Some(HashAlgo::Sha256)), "hash is empty");
    assert_eq!(
        e("abc", Some(HashAlgo::Sha256)),
        "hash \"abc\" is 3 characters; sha256 is 64 in base16, 52 in nix32 or 44 in base64"
    );
    assert_eq!(
        e("abc", Some(HashAlgo::Md5)),
        "hash \"abc\" is 3 characters; md5 is 32 in base16, 26 in nix32 or 24 in base64"
    );
    assert_eq!(
        e("abc", Some(HashAlgo::Sha1)),
        "hash \"abc\" is 3 characters; sha1 is 40 in base16, 32 in nix32 or 28 in base64"
    );
    assert_eq!(
        e("abc", Some(HashAlgo::Sha512)),
        "hash \"abc\" is 3 characters; sha512 is 128 in base16, 103 in nix32 or 88 in base64"
    );
    assert_eq!(
        e(&format!("{}g", &hex[..63]), Some(HashAlgo::Sha256)),
        format!("hash \"{}g\" has invalid base16 character 'g' at position 63", &hex[..63])
    );
    assert_eq!(
        e("0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c7e", Some(HashAlgo::Sha256)),
        "hash \"0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c7e\" has invalid nix32 character 'e' at position 51"
    );
    assert_eq!(
        e("zmdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73", Some(HashAlgo::Sha256)),
        "hash \"zmdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73\" is not valid nix32: its leading bits overflow the sha256 digest"
    );
    assert_eq!(
        e("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF!=", Some(HashAlgo::Sha256)),
        "hash \"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuF!=\" has invalid base64 character '!' at position 42"
    );
    assert_eq!(
        e(&format!("sha1:{hex}"), Some(HashAlgo::Sha256)),
        format!("hash \"sha1:{hex}\" says sha1 but sha256 was expected")
    );
    assert_eq!(
        e(&format!("sha3:{hex}"), None),
        "unknown hash algorithm \"sha3\"; Nix knows md5, sha1, sha256 and sha512"
    );
    assert_eq!(e(hex, None), format!("hash \"{hex}\" names no algorithm; write it as `sha256:…` or `sha256-…` (SRI), or give the algorithm separately"));
    assert_eq!(
        e("sha256-abc", None),
        "hash \"sha256-abc\" is 3 characters; sha256 is 64 in base16, 52 in nix32 or 44 in base64"
    );
}

fn json_err(text: &str) -> String {
    match import_json(text, "/nix/store") {
        Err(e) => e.to_string(),
        Ok(imp) => resolve(&imp.graph, &Options::default()).expect_err("must fail").to_string(),
    }
}

fn entry(key: &str, outputs: &str, inputs: &str, env_name: &str) -> String {
    format!(
        r#""{key}": {{"outputs": {outputs}, "inputSrcs": [], "inputDrvs": {inputs}, "system": "x86_64-linux", "builder": "/bin/sh", "args": [], "env": {{"name": "{env_name}"}}}}"#
    )
}

#[test]
fn malformed_documents_and_graphs() {
    let one = |outputs: &str, inputs: &str, name: &str| format!("{{{}}}", entry("a", outputs, inputs, name));
    let out = r#"{"out": {}}"#;
    let long = format!("a: name: store path name \"{}\" is 212 bytes; Nix allows at most 211", "x".repeat(212));
    let cases: Vec<(String, &str)> = vec![
        ("{".into(), "JSON syntax, line 1, column 1: EOF while parsing an object at line 1 column 1"),
        ("[]".into(), "expected a JSON object keyed by derivation, found a list"),
        ("{}".into(), "the document holds no derivations"),
        (r#"{"version": 5, "derivations": {}}"#.into(), "document version 5 is not supported; drvlab reads version 4"),
        (r#"{"version": 4}"#.into(), "version-4 document has no \"derivations\" object"),
        (r#"{"a": 1}"#.into(), "entry \"a\": expected an object, found a number"),
        (one(out, "{}", "a").replace(r#""builder": "/bin/sh""#, r#""builder": 1"#), "entry \"a\", field builder: expected a string, found a number"),
        (one(out, "{}", "a").replace(r#", "args": []"#, ""), "entry \"a\", field args: missing"),
        (one(out, "{}", "a").replace(r#""args": []"#, r#""args": [1]"#), "entry \"a\", field args[0]: expected a string, found a number"),
        (one(out, r#"{"b": ["out"]}"#, "a"), "entry \"a\", field inputDrvs.\"b\": names a derivation that is not in this document (use `nix derivation show -r` to include inputs)"),
        (one(r#"{"out": {"hashAlgo": "r:sha256", "hash": "abc"}}"#, "{}", "a"), "entry \"a\", field outputs.out.hash: hash \"abc\" is 3 characters; sha256 is 64 in base16, 52 in nix32 or 44 in base64"),
        (one(r#"{"out": {"hashAlgo": "sha3", "hash": "00"}}"#, "{}", "a"), "entry \"a\", field outputs.out.hashAlgo: unknown hash algorithm \"sha3\"; Nix knows md5, sha1, sha256 and sha512"),
        (one(r#"{"out": {"method": "zip", "hashAlgo": "sha256"}}"#, "{}", "a"), "entry \"a\", field outputs.out.method: unknown method \"zip\"; Nix uses nar, flat, text or git"),
        (one(r#"{"out": {"method": "nar"}}"#, "{}", "a"), "entry \"a\", field outputs.out.hashAlgo: missing for a content-addressed output"),
        (one(out, "{}", "a").replace(r#"{"name": "a"}"#, "{}"), "entry \"a\", field name: missing: no name field, no env.name, and the key is not a .drv path"),
        (one(out, "{}", "a b"), "a: name: store path name \"a b\" has ' ' at position 1; Nix allows only letters, digits and + - . _ ? ="),
        (one(out, "{}", ".hidden"), "a: name: store path name \".hidden\" starts with a dot, which Nix refuses (Nix 2.4–2.20 accept it: choose that Nix version)"),
        (one(r#"{"": {}}"#, "{}", "a"), "entry \"a\", field outputs.\"\": an output named \"\" (Nix refuses an empty output name)"),
        (one(out, "{}", "a").replace(r#""inputSrcs": []"#, r#""inputSrcs": [""]"#), "entry \"a\", field inputSrcs[0]: \"\" is empty, not a store path"),
        (one(out, "{}", "a").replace(r#""inputSrcs": []"#, r#""inputSrcs": ["relative/path"]"#), "entry \"a\", field inputSrcs[0]: \"relative/path\" is too short to be a store path (<store dir>/<32-character hash>-<name>)"),
        (one(out, "{}", "a").replace(r#""inputSrcs": []"#, r#""inputSrcs": ["/nix/store/short"]"#), "entry \"a\", field inputSrcs[0]: \"/nix/store/short\" is too short to be a store path (<store dir>/<32-character hash>-<name>)"),
        (one(out, "{}", "a").replace(r#""system": "x86_64-linux""#, r#""system": "x86_64-linux", "system": "i686-linux""#), "JSON syntax, line 1, column 113: key \"system\" appears twice in one object (the first would be silently lost) at line 1 column 113"),
        (format!("{{{}, {}}}", entry("a/x", out, "{}", "a"), entry("c", out, r#"{"b/x": ["out"]}"#, "c")), "entry \"c\", field inputDrvs.\"b/x\": names a derivation that is not in this document (use `nix derivation show -r` to include inputs)"),
        (one(out, "{}", &"x".repeat(212)), long.as_str()),
        (one(out, "{}", ""), "a: name: store path name is empty"),
        (one("{}", "{}", "a"), "a: has no outputs"),
        (
            one(r#"{"dev": {"hashAlgo": "sha256", "hash": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}"#, "{}", "a"),
            "a: outputs.dev: a fixed-output derivation must have exactly one output, named \"out\"",
        ),
        (
            one(r#"{"dev": {}, "out": {"hashAlgo": "sha256", "hash": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}}"#, "{}", "a"),
            "a: outputs: mixes input-addressed and fixed outputs, which Nix refuses",
        ),
        (one(r#"{"o u t": {}}"#, "{}", "a"), "a: output \"o u t\": store path name \"a-o u t\" has ' ' at position 3; Nix allows only letters, digits and + - . _ ? ="),
        (
            format!("{{{}, {}}}", entry("a", out, r#"{"b": ["out"]}"#, "a"), entry("b", out, r#"{"a": ["out"]}"#, "b")),
            "cycle in inputDrvs: a → b → a",
        ),
        (
            format!(
                "{{{}, {}, {}}}",
                entry("a", out, r#"{"c": ["out"]}"#, "a"),
                entry("b", out, r#"{"a": ["out"]}"#, "b"),
                entry("c", out, r#"{"b": ["out"]}"#, "c")
            ),
            "cycle in inputDrvs: a → c → b → a",
        ),
        (
            format!("{{{}, {}}}", entry("a", out, r#"{"b": ["dev"]}"#, "a"), entry("b", out, "{}", "b")),
            "a: inputDrvs asks for output \"dev\" of \"b\", which has only \"out\"",
        ),
        (
            format!("{{{}, {}}}", entry("a", out, r#"{"b": []}"#, "a"), entry("b", out, "{}", "b")),
            "a: inputDrvs asks for no outputs of \"b\"; Nix always names at least one",
        ),
    ];
    for (doc, want) in &cases {
        assert_eq!(json_err(doc), *want, "document {doc}");
    }
}

/// A version written as text or with a fraction says so, not "field env: missing".
#[test]
fn version_as_text_or_fraction_says_what_nix_writes() {
    let doc = |v: &str| format!(r#"{{"version": {v}, "derivations": {{}}}}"#);
    let e = drvlab_engine::import::import_json(&doc("\"4\""), "/nix/store").unwrap_err().to_string();
    assert!(e.contains("\"version\" is the text \"4\"") && e.contains("without quotes"), "{e}");
    let e = drvlab_engine::import::import_json(&doc("4.0"), "/nix/store").unwrap_err().to_string();
    assert!(e.contains("\"version\" is 4.0; Nix writes a whole number"), "{e}");
}
