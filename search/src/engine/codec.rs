//! Compact states: how the engine packs a state for its stack, frontier and graph.
//!
//! The default codec, [`Postcard`], is generic over serde: variable-length integers, one byte
//! per enum tag and per list length, nothing for the unused capacity of a fixed-capacity list.
//! So the encoding follows the model's types automatically when they change shape, and its size
//! follows the configuration (empty lists cost one byte) rather than every capacity at once.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Packs and unpacks states. `decode(encode(s)) == s` for every reachable state.
pub trait Codec<S>: Sync {
    /// Appends the packed form of `state` to `out`.
    fn encode(&self, state: &S, out: &mut Vec<u8>);
    /// The state packed in `bytes`.
    fn decode(&self, bytes: &[u8]) -> S;
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

/// The packed form of a state: its bytes, owned.
pub type Packed = Box<[u8]>;

/// Encodes `state` into a fresh boxed slice, using `scratch` as the buffer.
pub fn pack<S, C: Codec<S> + ?Sized>(codec: &C, state: &S, scratch: &mut Vec<u8>) -> Packed {
    scratch.clear();
    codec.encode(state, scratch);
    scratch.as_slice().into()
}
