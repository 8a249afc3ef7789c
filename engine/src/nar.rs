//! NAR serialisation of a small in-memory file tree.
//!
//! Mirrors `dumpPath` in Nix's `libutil/archive.cc`: every token is a length-prefixed string
//! (u64 little-endian length, bytes, zero padding to 8), directory entries sorted by name bytes.
//! Source paths and recursive fixed outputs hash this serialisation, not the files.

use std::collections::BTreeMap;

/// A file system object as a NAR sees it: no timestamps, no owners, one executable bit.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum FileTree {
    Regular {
        #[serde(default)]
        executable: bool,
        contents: String,
    },
    Directory {
        entries: BTreeMap<String, FileTree>,
    },
    Symlink {
        target: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NarError {
    #[error("directory entry name {0:?} is not allowed in a NAR (empty, '.', '..', or contains '/' or NUL)")]
    BadEntryName(String),
}

fn write_str(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u64).to_le_bytes());
    out.extend_from_slice(s);
    let pad = (8 - s.len() % 8) % 8;
    out.extend(std::iter::repeat_n(0u8, pad));
}

impl FileTree {
    pub fn file(contents: &str) -> FileTree {
        FileTree::Regular { executable: false, contents: contents.to_string() }
    }

    /// The NAR bytes of this tree.
    pub fn to_nar(&self) -> Result<Vec<u8>, NarError> {
        let mut out = Vec::new();
        write_str(&mut out, b"nix-archive-1");
        self.write_node(&mut out)?;
        Ok(out)
    }

    fn write_node(&self, out: &mut Vec<u8>) -> Result<(), NarError> {
        write_str(out, b"(");
        write_str(out, b"type");
        match self {
            FileTree::Regular { executable, contents } => {
                write_str(out, b"regular");
                if *executable {
                    write_str(out, b"executable");
                    write_str(out, b"");
                }
                write_str(out, b"contents");
                write_str(out, contents.as_bytes());
            }
            FileTree::Directory { entries } => {
                write_str(out, b"directory");
                // BTreeMap<String> iterates in byte order, which is the order NAR requires.
                for (name, node) in entries {
                    if name.is_empty() || name == "." || name == ".." || name.contains('/') || name.contains('\0') {
                        return Err(NarError::BadEntryName(name.clone()));
                    }
                    write_str(out, b"entry");
                    write_str(out, b"(");
                    write_str(out, b"name");
                    write_str(out, name.as_bytes());
                    write_str(out, b"node");
                    node.write_node(out)?;
                    write_str(out, b")");
                }
            }
            FileTree::Symlink { target } => {
                write_str(out, b"symlink");
                write_str(out, b"target");
                write_str(out, target.as_bytes());
            }
        }
        write_str(out, b")");
        Ok(())
    }
}

/// The NAR's tokens in reading order, for a person: the framing words bare, names and contents
/// quoted (`nix-archive-1 ( type directory entry ( name "README" node ( type regular contents
/// "hello\n" ) ) )`). Lengths and padding are left out; they follow from the tokens.
pub fn nar_listing(nar: &[u8]) -> String {
    const WORDS: [&str; 13] = [
        "nix-archive-1",
        "(",
        ")",
        "type",
        "regular",
        "directory",
        "symlink",
        "entry",
        "name",
        "node",
        "contents",
        "executable",
        "target",
    ];
    let mut out = Vec::new();
    let mut at = 0;
    while at + 8 <= nar.len() {
        let len = u64::from_le_bytes(nar[at..at + 8].try_into().unwrap_or([0; 8])) as usize;
        let Some(tok) = nar.get(at + 8..at + 8 + len) else { break };
        let text = String::from_utf8_lossy(tok);
        // After "executable" comes an empty marker token; after "name", "contents" and "target"
        // comes data, which is quoted even if it happens to spell a framing word.
        let data = matches!(out.last().map(String::as_str), Some("name" | "contents" | "target"));
        match text.as_ref() {
            "" if out.last().map(String::as_str) == Some("executable") => {}
            w if !data && WORDS.contains(&w) => out.push(w.to_string()),
            _ => out.push(format!("{text:?}")),
        }
        at += 8 + len.div_ceil(8) * 8;
    }
    out.join(" ")
}

/// What one entry of an edited directory tree is (the NAR keeps exactly these three kinds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    #[default]
    Regular,
    /// A regular file with the executable bit: the NAR records it, so `chmod +x` moves the path.
    Executable,
    /// `contents` is the link's target, stored as written (NARs never follow links).
    Symlink,
}

/// One entry of a small directory tree as a person writes it: a path below the tree's root
/// (`bin/hello`), what it is, and its contents. A path ending in `/` is an empty directory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TreeFile {
    pub path: String,
    #[serde(default, skip_serializing_if = "is_regular")]
    pub kind: FileKind,
    #[serde(default)]
    pub contents: String,
}

fn is_regular(k: &FileKind) -> bool {
    *k == FileKind::Regular
}

/// Why a list of [`TreeFile`]s is not a directory tree; `index` is the offending entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TreeError {
    pub index: usize,
    pub message: String,
}

/// Builds the directory a list of entries describes, refusing what a file system could not
/// hold: absolute paths, `.`/`..` or empty components, a path given twice, or a file that
/// would also have to be a directory.
pub fn tree_from_files(files: &[TreeFile]) -> Result<FileTree, TreeError> {
    let mut root = FileTree::Directory { entries: BTreeMap::new() };
    for (index, f) in files.iter().enumerate() {
        let err = |message: String| TreeError { index, message };
        if f.path.starts_with('/') {
            return Err(err(format!("{:?} must be relative to the directory's root (no leading /)", f.path)));
        }
        let dir_only = f.path.ends_with('/');
        let parts: Vec<&str> = f.path.trim_end_matches('/').split('/').collect();
        if let Some(bad) = parts.iter().find(|c| c.is_empty() || **c == "." || **c == ".." || c.contains('\0')) {
            return Err(err(if f.path.is_empty() {
                "the path is empty; give the file a name such as README or bin/run".into()
            } else {
                if bad.is_empty() {
                    format!("{:?} has an empty component (two / in a row)", f.path)
                } else {
                    format!(
                        "{:?} has the component {bad:?}, which cannot name an entry; use plain names separated by /",
                        f.path
                    )
                }
            }));
        }
        let mut node = &mut root;
        for (depth, part) in parts.iter().enumerate() {
            let FileTree::Directory { entries } = node else {
                return Err(err(format!("{} is a file, so it cannot contain {part:?}", parts[..depth].join("/"))));
            };
            let last = depth + 1 == parts.len();
            if last {
                let leaf = match (dir_only, f.kind) {
                    (true, _) => FileTree::Directory { entries: BTreeMap::new() },
                    (false, FileKind::Symlink) => FileTree::Symlink { target: f.contents.clone() },
                    (false, k) => {
                        FileTree::Regular { executable: k == FileKind::Executable, contents: f.contents.clone() }
                    }
                };
                match entries.get(*part) {
                    // An empty directory listed before (or after) files inside it is the same directory.
                    Some(FileTree::Directory { .. }) if dir_only => {}
                    Some(FileTree::Directory { .. }) => {
                        return Err(err(format!(
                            "{:?} is a directory (other entries are inside it), so it cannot also be a file",
                            parts.join("/")
                        )))
                    }
                    Some(_) => return Err(err(format!("{:?} is listed twice", parts.join("/")))),
                    None => {
                        entries.insert(part.to_string(), leaf);
                    }
                }
                break;
            }
            node = entries.entry(part.to_string()).or_insert_with(|| FileTree::Directory { entries: BTreeMap::new() });
        }
    }
    Ok(root)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::hash::Hash;

    #[test]
    fn regular_file_framing() {
        let nar = FileTree::file("hi").to_nar().unwrap();
        // 13-byte magic padded to 16 + 8 length = 24; then "(" 8+8, "type" 8+8, "regular" 8+8,
        // "contents" 8+8, "hi" 8+8, ")" 8+8.
        assert_eq!(nar.len(), 24 + 16 * 6);
        assert_eq!(&nar[8..21], b"nix-archive-1");
    }

    /// Values from real Nix: `nix-hash --type sha256 --base32` of an empty file, of a file
    /// holding "hello\n", and of a directory {a: executable "x\n", sub/l -> ../a}.
    #[test]
    fn nar_hashes_match_nix_hash() {
        let nix32 = |t: &FileTree| Hash::sha256(&t.to_nar().unwrap()).to_nix32();
        assert_eq!(nix32(&FileTree::file("")), "0ip26j2h11n1kgkz36rl4akv694yz65hr72q4kv4b3lxcbi65b3p");
        assert_eq!(nix32(&FileTree::file("hello\n")), "04zwf782yjwnh3q6hz5izfd6jyip8kgw6g6yj43fiqhbyhdd0dqw");
        let sub = FileTree::Directory {
            entries: BTreeMap::from([("l".to_string(), FileTree::Symlink { target: "../a".into() })]),
        };
        let dir = FileTree::Directory {
            entries: BTreeMap::from([
                ("a".to_string(), FileTree::Regular { executable: true, contents: "x\n".into() }),
                ("sub".to_string(), sub),
            ]),
        };
        assert_eq!(nix32(&dir), "0pavq076lp1yv9lrds86wk8jl1520nw89k5hp3ga6vqnk2qhdyv0");
    }

    #[test]
    fn bad_entry_names_are_refused() {
        let mut entries = BTreeMap::new();
        entries.insert("a/b".to_string(), FileTree::file("x"));
        assert_eq!(FileTree::Directory { entries }.to_nar(), Err(NarError::BadEntryName("a/b".into())));
    }

    fn tf(path: &str, kind: FileKind, contents: &str) -> TreeFile {
        TreeFile { path: path.into(), kind, contents: contents.into() }
    }

    /// The directory of `nar_hashes_match_nix_hash`, written as the page's entry list.
    #[test]
    fn entry_lists_build_the_same_tree() {
        let files = [tf("sub/l", FileKind::Symlink, "../a"), tf("a", FileKind::Executable, "x\n")];
        let nix32 = Hash::sha256(&tree_from_files(&files).unwrap().to_nar().unwrap()).to_nix32();
        assert_eq!(nix32, "0pavq076lp1yv9lrds86wk8jl1520nw89k5hp3ga6vqnk2qhdyv0");
    }

    #[test]
    fn impossible_trees_name_the_entry() {
        let r = FileKind::Regular;
        let cases: [(&[TreeFile], usize, &str); 6] = [
            (&[tf("", r, "")], 0, "the path is empty"),
            (&[tf("/etc/x", r, "")], 0, "relative to the directory's root"),
            (&[tf("a/../b", r, "")], 0, "component \"..\""),
            (&[tf("a", r, ""), tf("a", r, "")], 1, "listed twice"),
            (&[tf("a", r, ""), tf("a/b", r, "")], 1, "a is a file, so it cannot contain \"b\""),
            (&[tf("a/b", r, ""), tf("a", r, "")], 1, "cannot also be a file"),
        ];
        for (files, index, msg) in cases {
            let e = tree_from_files(files).unwrap_err();
            assert_eq!(e.index, index, "{files:?}");
            assert!(e.message.contains(msg), "{files:?}: {}", e.message);
        }
        // An empty directory may be listed on its own or alongside files inside it.
        let ok = [tf("empty/", r, ""), tf("d/", r, ""), tf("d/f", r, "")];
        let FileTree::Directory { entries } = tree_from_files(&ok).unwrap() else { panic!() };
        assert_eq!(entries["empty"], FileTree::Directory { entries: BTreeMap::new() });
    }

    #[test]
    fn nar_listing_reads_back_the_tokens() {
        let t = tree_from_files(&[
            tf("bin/run", FileKind::Executable, "#!/bin/sh\n"),
            tf("l", FileKind::Symlink, "bin/run"),
            tf("name", FileKind::Regular, "contents"),
        ])
        .unwrap();
        assert_eq!(
            nar_listing(&t.to_nar().unwrap()),
            "nix-archive-1 ( type directory entry ( name \"bin\" node ( type directory entry ( name \"run\" node ( type regular executable contents \"#!/bin/sh\\n\" ) ) ) ) entry ( name \"l\" node ( type symlink target \"bin/run\" ) ) entry ( name \"name\" node ( type regular contents \"contents\" ) ) )"
        );
    }
}
