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
}
