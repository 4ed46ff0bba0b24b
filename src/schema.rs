//! The JSON Schema of the policy format (feature `schema`), for
//! [`policy_schema`](crate::document::policy_schema): derived from the document types,
//! every field's doc comment as its description, with the schemas of the two shapes the
//! derive cannot see written by hand here: [`IdMap`] (a table of named entries) and [`OneOrMany`]
//! (a value or a list of values).

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::document::{IdMap, OneOrMany};

/// A table of named entries: any key, each value of `V`'s schema. Duplicate keys, which JSON
/// allows, are reported by the compiler, not by the schema.
impl<V: JsonSchema> JsonSchema for IdMap<V> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("IdMap_of_{}", V::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "additionalProperties": generator.subschema_for::<V>(),
        })
    }
}

/// One value or a list of values. A single string value may also be written as a boolean or
/// an integer (`accessibility = true` reads as the fact value `"true"`); list items may not.
impl<T: JsonSchema> JsonSchema for OneOrMany<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("OneOrMany_of_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let one = generator.subschema_for::<T>();
        let is_string = one.get("type").and_then(|t| t.as_str()) == Some("string");
        let many = json_schema!({ "type": "array", "items": one.clone() });
        if is_string {
            json_schema!({
                "anyOf": [one, { "type": "boolean" }, { "type": "integer" }, many],
            })
        } else {
            json_schema!({ "anyOf": [one, many] })
        }
    }
}
