//! Element codecs: serde with postcard, behind a small object-safe trait so the engine can hold
//! it without knowing the element's serde bounds; and the compression of the files they write
//! ([`compress`]). A leaf: checkpoints, spill runs and disk blocks all encode through it.

pub mod compress;

use std::marker::PhantomData;

/// Encodes and decodes the elements of one RDD or shuffle: the one codec of the engine, used by
/// reliable checkpoints (a part file is a run of encodings), disk blocks of `persist` (likewise)
/// and spill runs (one length-framed record at a time).
pub trait ElemCodec<T>: Send + Sync {
    /// Name stored in the manifest, checked on read.
    fn name(&self) -> &'static str;
    /// Appends the encoding of `item` to `out`; on error `out` is left as it was.
    fn encode(&self, item: &T, out: &mut Vec<u8>) -> Result<(), String>;
    /// Decodes exactly `records` elements filling all of `bytes`.
    fn decode_all(&self, bytes: &[u8], records: u64) -> Result<Vec<T>, String>;
    /// Decodes the one element filling all of `bytes` (a framed spill record).
    fn decode(&self, bytes: &[u8]) -> Result<T, String> {
        let mut one = self.decode_all(bytes, 1)?;
        one.pop().ok_or_else(|| "no record decoded".to_string())
    }
    /// Encoded size of `item`: what a spilling shuffle estimates its heap bytes by.
    fn size(&self, item: &T) -> usize {
        let mut out = Vec::new();
        self.encode(item, &mut out).map_or(0, |()| out.len())
    }
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
        let start = out.len();
        postcard::serialize_with_flavor(item, AppendTo(out)).map_err(|e| {
            // Leave no half-encoded record behind in the caller's buffer.
            out.truncate(start);
            format!("cannot encode element: {e}")
        })
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

    fn decode(&self, bytes: &[u8]) -> Result<T, String> {
        postcard::from_bytes(bytes).map_err(|e| format!("cannot decode element: {e}"))
    }

    fn size(&self, item: &T) -> usize {
        postcard::experimental::serialized_size(item).unwrap_or(0)
    }
}

/// A postcard output that appends to a borrowed buffer. Serializing straight into the sink's
/// buffer costs a fraction of `postcard::to_extend`, which moves the buffer in and out per record.
struct AppendTo<'a>(&'a mut Vec<u8>);

impl postcard::ser_flavors::Flavor for AppendTo<'_> {
    type Output = ();

    #[inline]
    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.push(data);
        Ok(())
    }

    #[inline]
    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        // Most varints (lengths, small integers) are one byte: a push is far cheaper than the
        // call to `memcpy` behind `extend_from_slice`.
        match data {
            [b] => self.0.push(*b),
            _ => self.0.extend_from_slice(data),
        }
        Ok(())
    }

    #[inline]
    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{ElemCodec, Postcard};

    /// A codec with only the required methods, so `decode` and `size` are the trait's defaults.
    struct RequiredOnly;

    impl ElemCodec<(String, u64)> for RequiredOnly {
        fn name(&self) -> &'static str {
            "required-only"
        }

        fn encode(&self, item: &(String, u64), out: &mut Vec<u8>) -> Result<(), String> {
            Postcard::new().encode(item, out)
        }

        fn decode_all(&self, bytes: &[u8], records: u64) -> Result<Vec<(String, u64)>, String> {
            Postcard::new().decode_all(bytes, records)
        }
    }

    #[test]
    fn one_record_decodes_and_sizes_alike_through_defaults_and_postcard() {
        let item = ("spilled".to_string(), 300u64);
        let bytes = postcard::to_allocvec(&item).unwrap();
        let postcard = Postcard::<(String, u64)>::new();
        assert_eq!(postcard.decode(&bytes).unwrap(), item);
        assert_eq!(RequiredOnly.decode(&bytes).unwrap(), item);
        assert_eq!(postcard.size(&item), bytes.len());
        assert_eq!(RequiredOnly.size(&item), bytes.len());
        // A frame holding more than one record is not one record.
        let mut two = bytes.clone();
        two.extend_from_slice(&bytes);
        assert!(RequiredOnly.decode(&two).is_err());
        assert!(postcard.decode(&bytes[..bytes.len() - 1]).is_err());
    }
}
