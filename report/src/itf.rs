//! Model paths in the Informal Trace Format (ITF): the JSON trace format of Apalache (its
//! ADR-015) that Quint writes and its trace viewers and scripts read.
//!
//! A trace is `{"#meta", "vars", "states", "loop"?}`; each state is a record of every variable
//! of `vars` plus its own `#meta`. Values are encoded by [`to_itf`], a serde serializer: JSON
//! strings, booleans and integers (beyond ±(2^53−1) as `{"#bigint"}`), lists, records,
//! `{"#tup"}`, `{"#map"}` (any key), and for Rust's enums and options Quint's sum-type form
//! `{"tag": "Some", "value": …}` (a unit payload is `{}`). What ITF cannot say (a float) is
//! `{"#unserializable": "…"}`. The state's top-level fields become the variables, plus
//! `mbt::actionTaken` (the step's action name, Quint's model-based-testing convention, `init`
//! for the first state) and `action` (the whole action as a sum type, in an option: `None` in
//! the first state).

use serde::ser::{self, Serialize};
use serde_json::{json, Map, Value};
use std::fmt;

/// Where the format is described (put in each trace's `#meta`).
pub const FORMAT_DESCRIPTION: &str = "https://apalache-mc.org/docs/adr/015adr-trace.html";
/// The largest integer written as a JSON number (RFC 7159's exact range).
const SAFE: u64 = (1 << 53) - 1;

/// Why a value cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ITF: {}", self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

/// The ITF encoding of `value`.
pub fn to_itf<T: Serialize + ?Sized>(value: &T) -> Result<Value, Error> {
    value.serialize(Ser)
}

/// One step of a path: the action taken to reach the next state.
#[derive(Clone, Debug)]
pub struct Step {
    /// The action's name (`RunJob`), for `mbt::actionTaken`.
    pub name: String,
    /// The action itself, ITF-encoded (a sum type: `{"tag": "RunJob", "value": …}`).
    pub action: Value,
    /// What it does, in words (into the state's `#meta`).
    pub description: String,
    /// Its spec sections (into the state's `#meta`).
    pub spec: String,
}

/// A path to write: `states[i + 1]` is reached from `states[i]` by `steps[i]`.
#[derive(Clone, Debug)]
pub struct Path<S> {
    /// What the path shows (`counterexample of …`).
    pub description: String,
    /// What produced it (the command line).
    pub source: String,
    /// The states, from an initial one.
    pub states: Vec<S>,
    /// The steps between them.
    pub steps: Vec<Step>,
    /// For a lasso: the index of the state the loop goes back to (the last state's successor).
    pub loop_index: Option<usize>,
}

/// `{"tag": t, "value": v}`: a Quint sum-type value.
pub fn tagged(tag: &str, value: Value) -> Value {
    json!({"tag": tag, "value": value})
}

/// The ITF trace of `path`.
pub fn trace<S: Serialize>(path: &Path<S>) -> Result<Value, Error> {
    if path.states.len() != path.steps.len() + 1 {
        return Err(Error(format!(
            "{} states need {} steps, not {}",
            path.states.len(),
            path.states.len().saturating_sub(1),
            path.steps.len()
        )));
    }
    if let Some(l) = path.loop_index.filter(|&l| l >= path.states.len()) {
        return Err(Error(format!(
            "loop index {l} past the last state {}",
            path.states.len().saturating_sub(1)
        )));
    }
    let mut vars: Vec<String> = Vec::new();
    let mut states = Vec::with_capacity(path.states.len());
    for (i, s) in path.states.iter().enumerate() {
        let Value::Object(mut record) = to_itf(s)? else {
            return Err(Error("a state must encode as a record".into()));
        };
        let keys: Vec<String> = record.keys().cloned().collect();
        if i == 0 {
            vars = keys;
        } else if keys != vars {
            return Err(Error(format!(
                "state {i} has variables {keys:?}, not {vars:?}"
            )));
        }
        let step = i.checked_sub(1).map(|j| &path.steps[j]);
        let mut meta = Map::new();
        meta.insert("index".into(), json!(i));
        if let Some(step) = step {
            meta.insert("description".into(), json!(step.description));
            meta.insert("spec".into(), json!(step.spec));
        }
        record.insert(
            "mbt::actionTaken".into(),
            json!(step.map_or("init", |s| s.name.as_str())),
        );
        record.insert(
            "action".into(),
            match step {
                Some(s) => tagged("Some", s.action.clone()),
                None => tagged("None", json!({})),
            },
        );
        record.insert("#meta".into(), Value::Object(meta));
        states.push(Value::Object(record));
    }
    vars.push("mbt::actionTaken".into());
    vars.push("action".into());
    let mut t = Map::new();
    t.insert(
        "#meta".into(),
        json!({
            "format": "ITF",
            "format-description": FORMAT_DESCRIPTION,
            "source": path.source,
            "description": path.description,
        }),
    );
    t.insert("vars".into(), json!(vars));
    t.insert("states".into(), Value::Array(states));
    if let Some(l) = path.loop_index {
        t.insert("loop".into(), json!(l));
    }
    Ok(Value::Object(t))
}

// ---- the serializer --------------------------------------------------------------------

struct Ser;

fn int(v: i128) -> Value {
    if v.unsigned_abs() <= SAFE as u128 {
        json!(v as i64)
    } else {
        json!({"#bigint": v.to_string()})
    }
}

fn uint(v: u128) -> Value {
    if v <= SAFE as u128 {
        json!(v as u64)
    } else {
        json!({"#bigint": v.to_string()})
    }
}

fn field(name: &str) -> Result<String, Error> {
    if name.starts_with('#') {
        Err(Error(format!(
            "record field {name:?} starts with '#', which ITF reserves"
        )))
    } else {
        Ok(name.to_string())
    }
}

impl ser::Serializer for Ser {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = Seq;
    type SerializeTuple = Seq;
    type SerializeTupleStruct = Seq;
    type SerializeTupleVariant = Seq;
    type SerializeMap = Pairs;
    type SerializeStruct = Record;
    type SerializeStructVariant = Record;

    fn serialize_bool(self, v: bool) -> Result<Value, Error> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value, Error> {
        Ok(int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Value, Error> {
        Ok(int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Value, Error> {
        Ok(int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Value, Error> {
        Ok(int(v.into()))
    }
    fn serialize_i128(self, v: i128) -> Result<Value, Error> {
        Ok(int(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Value, Error> {
        Ok(uint(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Value, Error> {
        Ok(uint(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Value, Error> {
        Ok(uint(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Value, Error> {
        Ok(uint(v.into()))
    }
    fn serialize_u128(self, v: u128) -> Result<Value, Error> {
        Ok(uint(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Value, Error> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<Value, Error> {
        Ok(json!({"#unserializable": v.to_string()}))
    }
    fn serialize_char(self, v: char) -> Result<Value, Error> {
        Ok(Value::String(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<Value, Error> {
        Ok(Value::String(v.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value, Error> {
        Ok(Value::Array(v.iter().map(|b| json!(b)).collect()))
    }
    fn serialize_none(self) -> Result<Value, Error> {
        Ok(tagged("None", json!({})))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Value, Error> {
        Ok(tagged("Some", v.serialize(Ser)?))
    }
    fn serialize_unit(self) -> Result<Value, Error> {
        Ok(json!({}))
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Value, Error> {
        Ok(json!({}))
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
    ) -> Result<Value, Error> {
        Ok(tagged(v, json!({})))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Value, Error> {
        v.serialize(Ser)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<Value, Error> {
        Ok(tagged(variant, v.serialize(Ser)?))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq, Error> {
        Ok(Seq::new(SeqKind::List, len))
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq, Error> {
        Ok(Seq::new(SeqKind::Tuple, Some(len)))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq, Error> {
        Ok(Seq::new(SeqKind::Tuple, Some(len)))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Seq, Error> {
        Ok(Seq::new(SeqKind::Variant(variant), Some(len)))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Pairs, Error> {
        Ok(Pairs {
            pairs: Vec::with_capacity(len.unwrap_or(0)),
            key: None,
        })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Record, Error> {
        Ok(Record {
            fields: Map::new(),
            variant: None,
        })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Record, Error> {
        Ok(Record {
            fields: Map::new(),
            variant: Some(variant),
        })
    }
}

enum SeqKind {
    List,
    Tuple,
    Variant(&'static str),
}

struct Seq {
    kind: SeqKind,
    items: Vec<Value>,
}

impl Seq {
    fn new(kind: SeqKind, len: Option<usize>) -> Seq {
        Seq {
            kind,
            items: Vec::with_capacity(len.unwrap_or(0)),
        }
    }

    fn push<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.items.push(v.serialize(Ser)?);
        Ok(())
    }

    fn finish(self) -> Value {
        match self.kind {
            SeqKind::List => Value::Array(self.items),
            SeqKind::Tuple => json!({"#tup": self.items}),
            SeqKind::Variant(v) => tagged(v, json!({"#tup": self.items})),
        }
    }
}

impl ser::SerializeSeq for Seq {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.push(v)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeTuple for Seq {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.push(v)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleStruct for Seq {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.push(v)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleVariant for Seq {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.push(v)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(self.finish())
    }
}

struct Pairs {
    pairs: Vec<Value>,
    key: Option<Value>,
}

impl ser::SerializeMap for Pairs {
    type Ok = Value;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Error> {
        self.key = Some(k.serialize(Ser)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        let k = self
            .key
            .take()
            .ok_or_else(|| Error("a map value without a key".into()))?;
        self.pairs.push(json!([k, v.serialize(Ser)?]));
        Ok(())
    }
    fn end(self) -> Result<Value, Error> {
        Ok(json!({"#map": self.pairs}))
    }
}

struct Record {
    fields: Map<String, Value>,
    variant: Option<&'static str>,
}

impl Record {
    fn push<T: Serialize + ?Sized>(&mut self, k: &'static str, v: &T) -> Result<(), Error> {
        self.fields.insert(field(k)?, v.serialize(Ser)?);
        Ok(())
    }

    fn finish(self) -> Value {
        let r = Value::Object(self.fields);
        match self.variant {
            Some(v) => tagged(v, r),
            None => r,
        }
    }
}

impl ser::SerializeStruct for Record {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        k: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.push(k, v)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(self.finish())
    }
}

impl ser::SerializeStructVariant for Record {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        k: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        self.push(k, v)
    }
    fn end(self) -> Result<Value, Error> {
        Ok(self.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(serde::Serialize)]
    enum E {
        Unit,
        New(u8),
        Tup(u8, bool),
        Rec { a: u8 },
    }

    #[test]
    fn values_take_their_itf_forms() {
        assert_eq!(to_itf(&42u8).ok(), Some(json!(42)));
        assert_eq!(to_itf(&-7i64).ok(), Some(json!(-7)));
        assert_eq!(
            to_itf(&(1u64 << 53)).ok(),
            Some(json!({"#bigint": "9007199254740992"}))
        );
        assert_eq!(
            to_itf(&i64::MIN).ok(),
            Some(json!({"#bigint": i64::MIN.to_string()}))
        );
        assert_eq!(to_itf("s").ok(), Some(json!("s")));
        assert_eq!(to_itf(&vec![1u8, 2]).ok(), Some(json!([1, 2])));
        assert_eq!(to_itf(&(1u8, "x")).ok(), Some(json!({"#tup": [1, "x"]})));
        assert_eq!(
            to_itf(&None::<u8>).ok(),
            Some(json!({"tag": "None", "value": {}}))
        );
        assert_eq!(
            to_itf(&Some(3u8)).ok(),
            Some(json!({"tag": "Some", "value": 3}))
        );
        let m: BTreeMap<(u8, u8), bool> = [((1, 2), true)].into();
        assert_eq!(
            to_itf(&m).ok(),
            Some(json!({"#map": [[{"#tup": [1, 2]}, true]]}))
        );
        assert_eq!(
            to_itf(&1.5f64).ok(),
            Some(json!({"#unserializable": "1.5"}))
        );
    }

    #[test]
    fn enums_are_quint_sum_types() {
        assert_eq!(
            to_itf(&E::Unit).ok(),
            Some(json!({"tag": "Unit", "value": {}}))
        );
        assert_eq!(
            to_itf(&E::New(1)).ok(),
            Some(json!({"tag": "New", "value": 1}))
        );
        assert_eq!(
            to_itf(&E::Tup(1, true)).ok(),
            Some(json!({"tag": "Tup", "value": {"#tup": [1, true]}}))
        );
        assert_eq!(
            to_itf(&E::Rec { a: 2 }).ok(),
            Some(json!({"tag": "Rec", "value": {"a": 2}}))
        );
    }

    #[test]
    fn a_field_starting_with_hash_is_refused() {
        let m: BTreeMap<&str, u8> = [("#set", 1)].into();
        // Map keys are any expression, so this is a #map, not a record: allowed.
        assert!(to_itf(&m).is_ok());
        #[derive(serde::Serialize)]
        struct Bad {
            #[serde(rename = "#tup")]
            x: u8,
        }
        assert!(to_itf(&Bad { x: 1 }).is_err());
    }

    #[test]
    fn a_path_needs_one_step_between_two_states() {
        let p = Path::<BTreeMap<String, u8>> {
            description: String::new(),
            source: String::new(),
            states: vec![BTreeMap::new()],
            steps: vec![Step {
                name: "A".into(),
                action: json!({}),
                description: String::new(),
                spec: String::new(),
            }],
            loop_index: None,
        };
        assert!(trace(&p).is_err());
    }
}
