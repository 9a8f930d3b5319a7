//! Why checkpoints are encoded with postcard: the engine's postcard codec against bincode 2 and
//! MessagePack (rmp-serde), on the records of the benchmark's checkpointed workloads, each
//! appended record by record to one buffer as a checkpoint sink does, then decoded back.
//!
//! ```sh
//! cargo run --profile bench-release -p rddflow-bench --bin codec_choice
//! ```
//!
//! Prints, per record type and codec, bytes per record, encode and decode nanoseconds per record
//! (medians of 7 runs), and checks that every codec decodes what it encoded.

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::hint::black_box;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use rddflow_engine::__private::checkpoint::codec::{ElemCodec, Postcard};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Records per set.
const N: usize = 2_000_000;
const RUNS: usize = 7;

/// One candidate: appends a record to a buffer, and decodes a whole buffer of `n` records.
struct Codec<T> {
    name: &'static str,
    encode: fn(&T, &mut Vec<u8>),
    decode: fn(&[u8], usize) -> Vec<T>,
}

fn postcard_codec<T: Serialize + DeserializeOwned>() -> Codec<T> {
    Codec {
        name: "postcard (rddflow's codec)",
        encode: |x, out| Postcard::<T>::new().encode(x, out).expect("encodes"),
        decode: |b, n| {
            Postcard::<T>::new()
                .decode_all(b, n as u64)
                .expect("decodes")
        },
    }
}

fn bincode_codec<T: Serialize + DeserializeOwned>() -> Codec<T> {
    Codec {
        name: "bincode 2 (standard: varints)",
        encode: |x, out| {
            bincode::serde::encode_into_std_write(x, out, bincode::config::standard())
                .expect("encodes");
        },
        decode: |mut b, n| {
            (0..n)
                .map(|_| {
                    let (x, used) =
                        bincode::serde::decode_from_slice(b, bincode::config::standard())
                            .expect("decodes");
                    b = &b[used..];
                    x
                })
                .collect()
        },
    }
}

fn msgpack_codec<T: Serialize + DeserializeOwned>() -> Codec<T> {
    Codec {
        name: "MessagePack (rmp-serde)",
        encode: |x, out| rmp_serde::encode::write(out, x).expect("encodes"),
        decode: |b, n| {
            let mut de = rmp_serde::Deserializer::new(b);
            (0..n)
                .map(|_| serde::Deserialize::deserialize(&mut de).expect("decodes"))
                .collect()
        },
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn measure<T: PartialEq + std::fmt::Debug>(what: &str, records: &[T], codecs: &[Codec<T>]) {
    println!("\n{what} ({} records)", records.len());
    println!(
        "  {:<32} {:>12} {:>14} {:>14}",
        "codec", "bytes/record", "encode ns/rec", "decode ns/rec"
    );
    for c in codecs {
        let (mut enc, mut dec, mut bytes) = (Vec::new(), Vec::new(), 0);
        for _ in 0..RUNS {
            let mut buf = Vec::with_capacity(records.len() * 16);
            let t = Instant::now();
            for r in records {
                (c.encode)(r, &mut buf);
            }
            enc.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let back = black_box((c.decode)(&buf, records.len()));
            dec.push(t.elapsed().as_secs_f64());
            assert!(back == records, "{} does not round-trip", c.name);
            bytes = buf.len();
        }
        let per = |s: f64| s * 1e9 / records.len() as f64;
        println!(
            "  {:<32} {:>12.2} {:>14.1} {:>14.1}",
            c.name,
            bytes as f64 / records.len() as f64,
            per(median(enc)),
            per(median(dec))
        );
    }
}

fn main() {
    let mut rng = Pcg64Mcg::seed_from_u64(7);
    // wordcount_ckpt's pairs: short words, counts of 1.
    let words: Vec<(String, u64)> = (0..N)
        .map(|_| {
            let len = rng.random_range(1..=10);
            let w: String = (0..len)
                .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
                .collect();
            (w, 1)
        })
        .collect();
    // pagerank_ckpt's ranks: page ids and ranks.
    let ranks: Vec<(u64, f64)> = (0..N)
        .map(|_| (rng.random_range(0..100_000), rng.random::<f64>() * 3.0))
        .collect();
    measure(
        "(String, u64) word pairs",
        &words,
        &[postcard_codec(), bincode_codec(), msgpack_codec()],
    );
    measure(
        "(u64, f64) ranks",
        &ranks,
        &[postcard_codec(), bincode_codec(), msgpack_codec()],
    );
}
