//! Compact states: how the engine packs a state for its stack, frontier and graph.
//!
//! - [`BitPack`], for state types that implement [`Pack`] (derived): bit-level, canonical, the
//!   smallest and fastest; what the Service Worker model uses.
//! - [`Postcard`], generic over serde: variable-length integers, one byte per enum tag and per
//!   list length, nothing for the unused capacity of a fixed-capacity list.
//! - [`MsgPack`], self-describing, for serde types postcard cannot read back.
//!
//! Each follows the model's types automatically when they change shape, and its size follows
//! the configuration (empty lists cost a few bits) rather than every capacity at once.

use super::pack::{BitReader, BitWriter, Pack};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Packs and unpacks states. `decode(encode(s)) == s` for every reachable state.
pub trait Codec<S>: Sync {
    /// Appends the packed form of `state` to `out`.
    fn encode(&self, state: &S, out: &mut Vec<u8>);
    /// The state packed in `bytes`.
    fn decode(&self, bytes: &[u8]) -> S;
    /// Whether the engine fingerprints a state's packed bytes (true: packing is cheap, so every
    /// successor is packed and a new one is stored as it is) or its `Hash` stream (false:
    /// packing is dear, so only new states are packed). Default: true.
    fn fingerprint_packed(&self) -> bool {
        true
    }
}

/// The bit-packed codec: [`Pack`] (canonical, so packed bytes are fingerprinted).
#[derive(Clone, Copy, Debug, Default)]
pub struct BitPack;

impl<S: Pack> Codec<S> for BitPack {
    #[inline]
    fn encode(&self, state: &S, out: &mut Vec<u8>) {
        let mut w = BitWriter::new(out);
        state.pack(&mut w);
        w.finish();
    }
    #[inline]
    fn decode(&self, bytes: &[u8]) -> S {
        S::unpack(&mut BitReader::new(bytes))
    }
}

/// The serde-based codec (postcard's varint wire format).
#[derive(Clone, Copy, Debug, Default)]
pub struct Postcard;

impl<S: Serialize + DeserializeOwned> Codec<S> for Postcard {
    fn encode(&self, state: &S, out: &mut Vec<u8>) {
        // Serialising a plain data type into a growable buffer cannot fail; a model type whose
        // `Serialize` impl errors is a bug in the model, reported as such.
        let buf = std::mem::take(out);
        *out = postcard::to_extend(state, buf)
            .expect("model state serialises (Serialize impl failed)");
    }
    fn decode(&self, bytes: &[u8]) -> S {
        postcard::from_bytes(bytes)
            .expect("engine decodes only what it encoded (Deserialize impl mismatch)")
    }
}

/// A self-describing codec (MessagePack, structs as arrays), for state types whose serde
/// representation needs `deserialize_any` (internally or adjacently tagged enums, untagged
/// enums, `flatten`), which [`Postcard`] cannot read back. Much larger than [`Postcard`]:
/// structs are written as maps with their field names, variant names as strings.
#[derive(Clone, Copy, Debug, Default)]
pub struct MsgPack;

impl<S: Serialize + DeserializeOwned> Codec<S> for MsgPack {
    fn encode(&self, state: &S, out: &mut Vec<u8>) {
        rmp_serde::encode::write_named(out, state)
            .expect("model state serialises (Serialize impl failed)");
    }
    fn decode(&self, bytes: &[u8]) -> S {
        rmp_serde::from_slice(bytes)
            .expect("engine decodes only what it encoded (Deserialize impl mismatch)")
    }
    fn fingerprint_packed(&self) -> bool {
        false
    }
}

/// Whether [`Postcard`] reads `state` back (false when its serde form needs a self-describing
/// format): callers pick [`MsgPack`] then.
pub fn postcard_round_trips<S: Serialize + DeserializeOwned + PartialEq>(state: &S) -> bool {
    postcard::to_allocvec(state)
        .ok()
        .and_then(|b| postcard::from_bytes::<S>(&b).ok())
        .is_some_and(|d| d == *state)
}

/// The packed form of a state: its bytes, owned.
pub type Packed = Box<[u8]>;

/// Encodes `state` into a fresh boxed slice, using `scratch` as the buffer.
pub fn pack<S, C: Codec<S> + ?Sized>(codec: &C, state: &S, scratch: &mut Vec<u8>) -> Packed {
    scratch.clear();
    codec.encode(state, scratch);
    scratch.as_slice().into()
}
