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

/// The position of each of a list of distinct strings, looked up by value: hashed on native
/// targets (100,000 store paths: one probe instead of seventeen comparisons scattered over the
/// heap; foldhash, seeded per process so that a document cannot choose colliding keys, where
/// std's SipHash cost a tenth of `drvlab paths`); a binary search of the sorted list in wasm (the page's graphs are small, and its
/// bundle carries no hash table for this).
pub struct Index<'a> {
    #[cfg(not(target_arch = "wasm32"))]
    map: std::collections::HashMap<&'a str, usize, foldhash::fast::RandomState>,
    #[cfg(target_arch = "wasm32")]
    sorted: Vec<&'a str>,
}

impl<'a> Index<'a> {
    /// `keys` must be sorted (as a `BTreeMap`'s keys are).
    pub fn of_sorted(keys: impl ExactSizeIterator<Item = &'a str>) -> Index<'a> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let mut map = std::collections::HashMap::with_capacity_and_hasher(keys.len(), Default::default());
            for (i, k) in keys.enumerate() {
                map.insert(k, i);
            }
            Index { map }
        }
        #[cfg(target_arch = "wasm32")]
        {
            Index { sorted: keys.collect() }
        }
    }

    pub fn get(&self, key: &str) -> Option<usize> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            self.map.get(key).copied()
        }
        #[cfg(target_arch = "wasm32")]
        {
            self.sorted.binary_search(&key).ok()
        }
    }
}
