//! A shard's seal: one SHA-256 digest per field, written into the shard, so that the merge
//! refuses a file changed after planner wrote it and says which field changed.
//!
//! The merge re-derives what it can (verdicts, costs, which configurations a shard holds),
//! but a latency or a client count is only what the load test said: nothing recomputes it
//! short of running the test again. The digest is what tells an edited or corrupted one
//! apart. One digest per field, not one for the whole file, because "the file changed" sends
//! the user hunting; "its `rows[].p50_s` changed" does not. A field's digest covers every
//! value it takes, each with its place (the row, the array index), so that a value moved,
//! removed or added changes it too; a field added or removed is a key more or less.
//!
//! SHA-256 (the `sha2` crate) rather than the 64-bit fingerprint that names scenario texts:
//! a sweep shard of a million rows is a hundred megabytes, where a 64-bit hash made by hand
//! has no promise against accidental collisions that anyone has checked. This is integrity
//! against accidents and hand edits, not security: whoever can edit the file can recompute
//! the digest, and what the merge re-derives is what catches that.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde_json::Value;
use sha2::{Digest as _, Sha256};

/// Field path → SHA-256 of its values, lowercase hex. Paths read like the file:
/// `planner_shard.seed`, `tested[].summary.p50_steps`, a sweep CSV's `rows[].p50_s`.
pub type Digest = BTreeMap<String, String>;

/// The key a shard stores its [`Digest`] under: the one field it does not cover.
pub const KEY: &str = "digest";

/// Collects values field by field, then gives their [`Digest`].
#[derive(Debug, Default, Clone)]
pub struct Sealer {
    fields: BTreeMap<String, Sha256>,
}

impl Sealer {
    /// A sealer with nothing fed yet.
    pub fn new() -> Sealer {
        Sealer::default()
    }

    /// Feeds one value of `path`, at `place` (its index in each enclosing array, outermost
    /// first): length-prefixed, so that no two sequences of values hash alike.
    pub fn value(&mut self, path: &str, place: &[usize], bytes: &[u8]) {
        let h = match self.fields.get_mut(path) {
            Some(h) => h,
            None => self.fields.entry(path.to_string()).or_default(),
        };
        feed(h, place, bytes);
    }

    /// Feeds field `i` of each record to `paths[i]`, at the record's index: a CSV's rows,
    /// column by column, the columns in parallel (a million rows seal in a fraction of a
    /// second). A field past the paths given is fed to `#i`.
    pub fn columns(&mut self, paths: &[String], rows: &[&csv::ByteRecord]) {
        let width = rows
            .iter()
            .map(|r| r.len())
            .max()
            .unwrap_or(0)
            .max(paths.len());
        let hashed: Vec<(String, Option<Sha256>)> = (0..width)
            .into_par_iter()
            .map(|i| {
                let path = paths.get(i).cloned().unwrap_or_else(|| format!("#{i}"));
                let mut h = self.fields.get(&path).cloned().unwrap_or_default();
                let mut any = false;
                for (r, row) in rows.iter().enumerate() {
                    if let Some(field) = row.get(i) {
                        feed(&mut h, &[r], field);
                        any = true;
                    }
                }
                (path, any.then_some(h))
            })
            .collect();
        for (path, h) in hashed {
            if let Some(h) = h {
                self.fields.insert(path, h);
            }
        }
    }

    /// Feeds every leaf of a JSON value under `path` (an object's keys appended with `.`, an
    /// array's elements with `[]`), the digest key of the top level left out.
    pub fn json(&mut self, path: &str, value: &Value) {
        self.walk(&mut path.to_string(), &mut Vec::new(), value, true);
    }

    fn walk(&mut self, path: &mut String, place: &mut Vec<usize>, value: &Value, top: bool) {
        match value {
            Value::Object(map) => {
                for (key, v) in map {
                    if top && key == KEY {
                        continue;
                    }
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(key);
                    self.walk(path, place, v, false);
                    path.truncate(len);
                }
            }
            Value::Array(items) => {
                let len = path.len();
                path.push_str("[]");
                for (i, v) in items.iter().enumerate() {
                    place.push(i);
                    self.walk(path, place, v, false);
                    place.pop();
                }
                path.truncate(len);
            }
            leaf => {
                let text = leaf.to_string();
                self.value(path, place, text.as_bytes());
            }
        }
    }

    /// The digest of everything fed.
    pub fn finish(self) -> Digest {
        self.fields
            .into_iter()
            .map(|(path, h)| {
                let hex: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
                (path, hex)
            })
            .collect()
    }
}

fn feed(h: &mut Sha256, place: &[usize], bytes: &[u8]) {
    h.update((place.len() as u64).to_le_bytes());
    for i in place {
        h.update((*i as u64).to_le_bytes());
    }
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(bytes);
}

/// The digest of a JSON shard document (its `digest` key left out).
pub fn of_json(doc: &Value) -> Digest {
    let mut s = Sealer::new();
    s.json("", doc);
    s.finish()
}

/// The first field (in path order) whose digest in `stored` is not the one `computed` from
/// the file's content, or that only one of them has.
pub fn first_difference(stored: &Digest, computed: &Digest) -> Option<String> {
    let mut paths: Vec<&String> = stored.keys().chain(computed.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .find(|p| stored.get(*p) != computed.get(*p))
        .cloned()
}

/// Recomputes the digest of a JSON shard document in place: what `--shard` does when it
/// writes one, and what a test does to play someone who edits a shard and seals it again.
pub fn seal_json(doc: &mut Value) {
    let digest = of_json(doc);
    if let Value::Object(map) = doc {
        map.insert(
            KEY.to_string(),
            serde_json::to_value(digest).expect("strings serialise"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_names_its_field() {
        let doc: Value = serde_json::json!({
            "meta": {"seed": 1, "name": "a"},
            "rows": [{"p": 1, "q": [1, 2]}, {"p": 2, "q": [3]}],
        });
        let base = of_json(&doc);
        let changed = |edit: fn(&mut Value)| {
            let mut d = doc.clone();
            edit(&mut d);
            first_difference(&base, &of_json(&d))
        };
        assert_eq!(changed(|_| {}), None);
        assert_eq!(
            changed(|d| d["meta"]["seed"] = 2.into()),
            Some("meta.seed".into())
        );
        assert_eq!(
            changed(|d| d["rows"][1]["p"] = 1.into()),
            Some("rows[].p".into())
        );
        // The same values, split otherwise between the inner arrays.
        assert_eq!(
            changed(|d| {
                d["rows"][0]["q"] = serde_json::json!([1]);
                d["rows"][1]["q"] = serde_json::json!([2, 3]);
            }),
            Some("rows[].q[]".into())
        );
        // Two rows swapped: each field of theirs moved.
        assert_eq!(
            changed(|d| d["rows"].as_array_mut().unwrap().swap(0, 1)),
            Some("rows[].p".into())
        );
        assert_eq!(
            changed(|d| d["meta"]["extra"] = true.into()),
            Some("meta.extra".into())
        );
        // The digest key itself is not covered.
        assert_eq!(changed(|d| d["digest"] = "x".into()), None);
    }
}
