//! Where in its script a worker version makes a call (`skip_waiting`, `claim`, `update` of
//! `[version.N]`): at script evaluation or in one of its handlers.

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// A place in the worker script: its top level or one of its handlers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Where {
    /// At script evaluation (every evaluation: a restart calls it again).
    Eval,
    /// In the install handler, before its `waitUntil` outcome.
    Install,
    /// In the activate handler, before its `waitUntil` outcome.
    Activate,
    /// In the fetch handler (navigations of controlled clients included).
    Fetch,
    /// In the sync handler.
    Sync,
    /// In the periodicsync handler.
    Periodicsync,
    /// In the push handler.
    Push,
    /// In the four background fetch handlers.
    Backgroundfetch,
}

/// The places a call is made, each once, in file order. In a file: a list of [`Where`] names
/// (`["eval", "activate"]`), or a boolean for the fields that had one before (`true` is the
/// field's `legacy` place: `install` for `skip_waiting`, `activate` for `claim`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Places(pub Vec<Where>);

impl Places {
    /// Whether the call is made at `w`.
    pub fn at(&self, w: Where) -> bool {
        self.0.contains(&w)
    }

    /// Reads a list of places, or a boolean meaning `legacy` (true) or none (false).
    pub fn deserialize_with_legacy<'de, D: Deserializer<'de>>(
        d: D,
        legacy: Option<Where>,
    ) -> Result<Places, D::Error> {
        d.deserialize_any(PlacesVisitor(legacy))
    }
}

impl<'de> Deserialize<'de> for Places {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Places, D::Error> {
        Places::deserialize_with_legacy(d, None)
    }
}

/// `skip_waiting = true` is `["install"]`.
pub fn skip_waiting<'de, D: Deserializer<'de>>(d: D) -> Result<Places, D::Error> {
    Places::deserialize_with_legacy(d, Some(Where::Install))
}

/// `claim = true` is `["activate"]`.
pub fn claim<'de, D: Deserializer<'de>>(d: D) -> Result<Places, D::Error> {
    Places::deserialize_with_legacy(d, Some(Where::Activate))
}

struct PlacesVisitor(Option<Where>);

impl<'de> Visitor<'de> for PlacesVisitor {
    type Value = Places;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(_) => f.write_str("a boolean or a list of places (eval, install, activate, fetch, sync, periodicsync, push, backgroundfetch)"),
            None => f.write_str("a list of places (eval, install, activate, fetch, sync, periodicsync, push, backgroundfetch)"),
        }
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Places, E> {
        match self.0 {
            Some(w) => Ok(Places(if v { vec![w] } else { Vec::new() })),
            None => Err(E::invalid_type(de::Unexpected::Bool(v), &self)),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Places, A::Error> {
        let mut out = Vec::new();
        while let Some(w) = seq.next_element::<Where>()? {
            if out.contains(&w) {
                let name = serde_json::to_value(w).ok();
                let name = name.as_ref().and_then(|v| v.as_str()).unwrap_or("?");
                return Err(de::Error::custom(format!("place `{name}` is named twice")));
            }
            out.push(w);
        }
        Ok(Places(out))
    }
}
