//! Sorted maps and sets built by insertion.
//!
//! `collect()` into a `BTreeMap` sorts a `Vec` first, which instantiates the standard library's
//! stable sort once per element type: several kilobytes of wasm each. Inserting one by one
//! gives the same map with none of that code, which keeps the page's bundle small.

use std::collections::{BTreeMap, BTreeSet};

pub fn set<T: Ord>(items: impl IntoIterator<Item = T>) -> BTreeSet<T> {
    let mut s = BTreeSet::new();
    for x in items {
        s.insert(x);
    }
    s
}

pub fn map<K: Ord, V>(items: impl IntoIterator<Item = (K, V)>) -> BTreeMap<K, V> {
    let mut m = BTreeMap::new();
    for (k, v) in items {
        m.insert(k, v);
    }
    m
}
