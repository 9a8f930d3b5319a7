//! Element codecs of reliable checkpoints: serde with postcard, behind a small object-safe trait
//! so the engine can hold it without knowing the element's serde bounds.

use std::marker::PhantomData;

/// Encodes and decodes the elements of one checkpointed RDD.
pub trait ElemCodec<T>: Send + Sync {
    /// Name stored in the manifest, checked on read.
    fn name(&self) -> &'static str;
    /// Appends the encoding of `item` to `out`.
    fn encode(&self, item: &T, out: &mut Vec<u8>) -> Result<(), String>;
    /// Decodes exactly `records` elements filling all of `bytes`.
    fn decode_all(&self, bytes: &[u8], records: u64) -> Result<Vec<T>, String>;
}

/// The postcard codec (compact varint encoding of any serde type).
pub struct Postcard<T>(PhantomData<fn() -> T>);

impl<T> Postcard<T> {
    /// The codec for `T`.
    pub fn new() -> Self {
        Postcard(PhantomData)
    }
}

impl<T> Default for Postcard<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> ElemCodec<T> for Postcard<T>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    fn name(&self) -> &'static str {
        "postcard"
    }

    fn encode(&self, item: &T, out: &mut Vec<u8>) -> Result<(), String> {
        let taken = std::mem::take(out);
        match postcard::to_extend(item, taken) {
            Ok(v) => {
                *out = v;
                Ok(())
            }
            Err(e) => Err(format!("cannot encode element: {e}")),
        }
    }

    fn decode_all(&self, bytes: &[u8], records: u64) -> Result<Vec<T>, String> {
        // Capacity is bounded by the file size, never by a count read from disk alone.
        let mut out = Vec::with_capacity((records as usize).min(bytes.len()));
        let mut rest = bytes;
        for i in 0..records {
            let (item, tail) = postcard::take_from_bytes::<T>(rest)
                .map_err(|e| format!("record {i} at byte {}: {e}", bytes.len() - rest.len()))?;
            out.push(item);
            rest = tail;
        }
        if !rest.is_empty() {
            return Err(format!(
                "{} trailing byte(s) after {records} record(s)",
                rest.len()
            ));
        }
        Ok(out)
    }
}
