//! The JSON Schema of every document planner prints, derived from the serde types that print
//! them (`schemars`), so that a document and its schema cannot say different things.
//!
//! The schemas are strict: every object lists its fields and allows no other
//! (`additionalProperties: false`), and a field that is always printed is required, `null`
//! included. A field added to a document is therefore a field added to its schema, which
//! `planner schema --write docs/schema` regenerates and a test compares with the files
//! checked in; a field printed past the schema fails validation. Every document opens with
//! `schema_version` ([`SchemaVersion`]), which changes when a field is removed, renamed or
//! retyped (see docs/json.md).

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};

/// The version every document carries. Bump it when a field is removed, renamed or changes
/// type or meaning; adding a field does not bump it.
pub const SCHEMA_VERSION: u32 = 1;

/// `"schema_version": 1`, the first field of every document: a reader checks it before
/// trusting any other, and its schema accepts this version only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SchemaVersion;

impl Serialize for SchemaVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(SCHEMA_VERSION)
    }
}

impl<'de> Deserialize<'de> for SchemaVersion {
    /// A document of another version is refused rather than read by the wrong rules.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = u32::deserialize(d)?;
        if v == SCHEMA_VERSION {
            Ok(SchemaVersion)
        } else {
            Err(serde::de::Error::custom(format!(
                "schema_version {v}: this planner reads version {SCHEMA_VERSION}"
            )))
        }
    }
}

impl JsonSchema for SchemaVersion {
    fn schema_name() -> Cow<'static, str> {
        "SchemaVersion".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "description": "The document's schema version (docs/json.md): it changes when a field is removed, renamed or retyped.",
            "type": "integer",
            "const": SCHEMA_VERSION,
        })
    }
}

/// One kind of document planner prints, and how to get its schema.
#[derive(Debug, Clone, Copy)]
pub struct Document {
    /// Its name in `planner schema NAME` and in `docs/schema/NAME.json`.
    pub name: &'static str,
    /// Which command prints it, in a few words, for `planner schema`'s list.
    pub printed_by: &'static str,
    /// Its strict schema.
    pub schema: fn() -> Value,
}

/// The strict schema of `T` as serialised, JSON Schema 2020-12, titled `title`.
pub fn strict<T: JsonSchema>(title: &str) -> Value {
    let generator = SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator();
    let mut schema = generator.into_root_schema_for::<T>().to_value();
    inline_tagged(&mut schema);
    close_objects(&mut schema);
    if let Value::Object(map) = &mut schema {
        map.insert("title".into(), Value::String(title.into()));
    }
    schema
}

/// Merges into one object the schemas serde's internally tagged variants are made of: a
/// variant `Closed(Users)` tagged `kind` is `{"$ref": Users, "properties": {"kind": ...}}`,
/// and each half, once closed, would refuse the other's fields. The referenced properties
/// and requirements are copied beside the tag, and definitions no longer referenced dropped.
fn inline_tagged(root: &mut Value) {
    let defs = match root.get("$defs") {
        Some(Value::Object(defs)) => defs.clone(),
        _ => return,
    };
    merge_refs(root, &defs);
    let text = serde_json::to_string(root).expect("a schema serialises");
    if let Some(Value::Object(defs)) = root.get_mut("$defs") {
        defs.retain(|name, _| text.contains(&format!("\"#/$defs/{name}\"")));
        if defs.is_empty() {
            root.as_object_mut().map(|m| m.remove("$defs"));
        }
    }
}

fn merge_refs(schema: &mut Value, defs: &Map<String, Value>) {
    match schema {
        Value::Object(map) => {
            let target = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/$defs/"))
                .and_then(|name| defs.get(name));
            if let (Some(Value::Object(def)), true) = (target, map.contains_key("properties")) {
                let def = def.clone();
                map.remove("$ref");
                if let (Some(Value::Object(own)), Some(Value::Object(more))) =
                    (map.get_mut("properties"), def.get("properties"))
                {
                    for (k, v) in more {
                        own.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
                if let Some(Value::Array(more)) = def.get("required") {
                    let required = map
                        .entry("required")
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if let Value::Array(own) = required {
                        for r in more {
                            if !own.contains(r) {
                                own.push(r.clone());
                            }
                        }
                    }
                }
            }
            map.values_mut().for_each(|v| merge_refs(v, defs));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| merge_refs(v, defs)),
        _ => {}
    }
}

/// Sets `additionalProperties: false` on every object schema that lists its properties and
/// says nothing of others: a field the schema does not name is then an error. Maps (keyed by
/// station or class name) state `additionalProperties` themselves and keep it. It walks
/// schemas only, never a `const` or a property's name.
fn close_objects(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    if map.contains_key("properties") && !map.contains_key("additionalProperties") {
        map.insert("additionalProperties".into(), Value::Bool(false));
    }
    for (key, v) in map.iter_mut() {
        match key.as_str() {
            "properties" | "$defs" | "patternProperties" => {
                if let Value::Object(named) = v {
                    named.values_mut().for_each(close_objects);
                }
            }
            "anyOf" | "allOf" | "oneOf" | "prefixItems" => {
                if let Value::Array(list) = v {
                    list.iter_mut().for_each(close_objects);
                }
            }
            "items" | "additionalProperties" | "not" | "if" | "then" | "else" => close_objects(v),
            _ => {}
        }
    }
}

/// A schema as it is printed and checked in: pretty, keys in a stable order, one newline.
pub fn text(schema: &Value) -> String {
    serde_json::to_string_pretty(&sorted(schema)).expect("a schema serialises") + "\n"
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::new();
            for k in keys {
                out.insert(k.clone(), sorted(&map[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_object_is_closed_and_maps_stay_open() {
        let mut v = serde_json::json!({
            "properties": {
                "a": {"type": "object", "properties": {"b": {}}},
                "properties": {"const": {"properties": {}}}
            },
            "$defs": {"M": {"type": "object", "additionalProperties": {"type": "number"}}}
        });
        close_objects(&mut v);
        assert_eq!(v["additionalProperties"], false);
        assert_eq!(v["properties"]["a"]["additionalProperties"], false);
        // A field named `properties` is a field, and a constant is a value, not a schema.
        assert_eq!(
            v["properties"]["properties"],
            serde_json::json!({"const": {"properties": {}}})
        );
        assert_eq!(
            v["$defs"]["M"]["additionalProperties"],
            serde_json::json!({"type": "number"})
        );
    }

    /// serde's `#[serde(tag = "kind")]` on `Closed(Users)`: the tag and the fields of
    /// `Users` are one object, which must take both and nothing else.
    #[test]
    fn a_tagged_variant_takes_its_tag_and_its_fields() {
        #[derive(Serialize, JsonSchema)]
        struct Users {
            users: u32,
        }
        #[derive(Serialize, JsonSchema)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        enum Clients {
            Closed(Users),
        }
        let schema = strict::<Clients>("clients");
        let v = jsonschema::validator_for(&schema).unwrap();
        let doc = serde_json::to_value(Clients::Closed(Users { users: 3 })).unwrap();
        assert!(v.is_valid(&doc), "{doc} against {schema}");
        assert!(!v.is_valid(&serde_json::json!({"kind": "closed"})));
        assert!(!v.is_valid(&serde_json::json!({"kind": "closed", "users": 3, "more": 1})));
        assert!(schema.get("$defs").is_none(), "{schema}");
    }

    #[test]
    fn the_version_reads_back_only_as_itself() {
        assert_eq!(serde_json::to_string(&SchemaVersion).unwrap(), "1");
        assert!(serde_json::from_str::<SchemaVersion>("1").is_ok());
        let err = serde_json::from_str::<SchemaVersion>("2").unwrap_err();
        assert!(err.to_string().contains("schema_version 2"), "{err}");
    }
}
