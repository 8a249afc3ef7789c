//! The CLI on malformed input: one line on stderr naming what and where, exit status 2, nothing
//! on stdout. (The engine's own messages are checked in `engine/tests/bad_input.rs`.)
#![cfg(not(target_arch = "wasm32"))]

/// The CLI turns each of these into one line on stderr, exit status 2, nothing on stdout.
#[test]
fn cli_reports_bad_input_on_one_line_with_status_2() {
    use std::io::Write;
    let docs = [
        ("{", "JSON syntax"),
        (
            r#"{"a": {"outputs": {"out": {}}, "inputSrcs": [], "inputDrvs": {"zz": ["out"]}, "system": "s", "builder": "b", "args": [], "env": {"name": "a"}}}"#,
            "entry \"a\", field inputDrvs.\"zz\"",
        ),
        (
            r#"{"a": {"outputs": {"out": {"hashAlgo": "sha256", "hash": "xyz"}}, "inputSrcs": [], "inputDrvs": {}, "system": "s", "builder": "b", "args": [], "env": {"name": "a"}}}"#,
            "field outputs.out.hash",
        ),
    ];
    for (doc, want) in docs {
        for cmd in [&["paths", "-"][..], &["explain", "-"][..], &["moves", "-", "--sweep"][..]] {
            let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_drvlab"))
                .args(cmd)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            child.stdin.take().unwrap().write_all(doc.as_bytes()).unwrap();
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8(out.stderr).unwrap();
            assert_eq!(out.status.code(), Some(2), "{cmd:?} {doc}");
            assert!(out.stdout.is_empty(), "{cmd:?}: stdout must be empty");
            assert_eq!(stderr.lines().count(), 1, "{cmd:?}: one line: {stderr}");
            assert!(stderr.starts_with("drvlab: ") && stderr.contains(want), "{cmd:?}: {stderr}");
        }
    }
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_drvlab")).args(["drv", "/nonexistent/x.drv"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.drv"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_drvlab")).args(["hash", "sha256:abc"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "drvlab: hash \"sha256:abc\" is 3 characters; sha256 is 64 in base16, 52 in nix32 or 44 in base64"
    );
}
