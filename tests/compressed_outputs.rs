//! Output compression of the text saves (`SaveOptions`): parts named with the codec's
//! extension, decompressed by flate2 / zstd themselves into exactly what the uncompressed save
//! writes, and read back transparently by `text_file`, `csv_file` and `json_lines`.

use std::io::Read;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use rddflow::prelude::*;
use rddflow::{Compression, Error, SaveOptions};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Rec {
    id: u64,
    text: String,
    delta: i64,
}

/// An element whose `Display` panics on id 3.
#[derive(Clone, Debug)]
struct Bomb(u64);

impl std::fmt::Display for Bomb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        assert_ne!(self.0, 3, "Display of the bomb row");
        write!(f, "{}", self.0)
    }
}

rddflow::pipeline! {
    struct Gen(items: Vec<Rec>, parts: usize) {
        rows: Rec = parallelize(items, parts);
        bombs: Bomb = rows.map(|r| Bomb(r.id));
        lines: String = rows.map(|r| format!("{}:{}", r.id, r.text.replace('\n', " ")));
    }
    struct ReadCsv(path: PathBuf) {
        rows: Rec = csv_file(path);
    }
    struct ReadJson(path: PathBuf) {
        rows: Rec = json_lines(path);
    }
    struct ReadText(path: PathBuf) {
        lines: String = text_file(path);
    }
}

fn ctx() -> Context {
    Context::builder().threads(2).build().expect("context")
}

fn awkward() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just(",".to_string()),
            Just("\"".to_string()),
            Just("\n".to_string()),
            Just("é€😀".to_string()),
            "[a-z ]{1,6}",
        ],
        0..6,
    )
    .prop_map(|v| v.concat())
}

fn rec() -> impl Strategy<Value = Rec> {
    (any::<u64>(), awkward(), any::<i64>()).prop_map(|(id, text, delta)| Rec { id, text, delta })
}

fn sample(n: u64) -> Vec<Rec> {
    (0..n)
        .map(|i| Rec {
            id: i,
            text: format!("row {i}, \"q\"\nline two é"),
            delta: -(i as i64),
        })
        .collect()
}

/// The visible files of `dir`, sorted by name.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// `path` decompressed by the codec's own crate.
fn decompress(path: &Path, codec: Compression) -> Vec<u8> {
    let file = std::fs::File::open(path).unwrap();
    let mut out = Vec::new();
    match codec {
        Compression::Gzip => {
            flate2::read::GzDecoder::new(file)
                .read_to_end(&mut out)
                .unwrap();
        }
        #[cfg(feature = "zstd")]
        Compression::Zstd => out = zstd::decode_all(file).unwrap(),
        other => panic!("no decoder for {other:?}"),
    }
    out
}

/// Saves `rows` plain and compressed with each save, checks each compressed part against
/// the plain one, and reads the compressed output back with the matching source.
fn round_trip(rows: &[Rec], parts: usize, codec: Compression) -> rddflow::Result<()> {
    let ctx = ctx();
    let tmp = tempfile::tempdir().unwrap();
    let g = Gen::new(&ctx, rows.to_vec(), parts)?;
    let opts = SaveOptions::new().compression(codec);
    let ext = codec.extension();
    for (kind, suffix) in [("csv", ".csv"), ("json", ".jsonl"), ("text", "")] {
        let plain = tmp.path().join(format!("{kind}-plain"));
        let packed = tmp.path().join(format!("{kind}-packed"));
        match kind {
            "csv" => {
                g.rows.save_as_csv(&plain)?;
                g.rows.save_as_csv_with(&packed, &opts)?;
            }
            "json" => {
                g.rows.save_as_json_lines(&plain)?;
                g.rows.save_as_json_lines_with(&packed, &opts)?;
            }
            _ => {
                g.lines.save_as_text_file(&plain)?;
                g.lines.save_as_text_file_with(&packed, &opts)?;
            }
        }
        let mut expected: Vec<String> = (0..parts)
            .map(|p| format!("part-{p:05}{suffix}{ext}"))
            .collect();
        expected.insert(0, "_SUCCESS".into());
        assert_eq!(names(&packed), expected, "{kind}");
        for p in 0..parts {
            let name = format!("part-{p:05}{suffix}");
            let want = std::fs::read(plain.join(&name)).unwrap();
            let got = decompress(&packed.join(format!("{name}{ext}")), codec);
            assert_eq!(got, want, "{kind} part {p}");
        }
        match kind {
            "csv" => assert_eq!(ReadCsv::new(&ctx, packed)?.rows.collect()?, rows),
            "json" => assert_eq!(ReadJson::new(&ctx, packed)?.rows.collect()?, rows),
            _ => assert_eq!(
                ReadText::new(&ctx, packed)?.lines.collect()?,
                g.lines.collect()?
            ),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn gzip_outputs_decompress_to_the_plain_parts_and_read_back(
        rows in proptest::collection::vec(rec(), 0..30),
        parts in 1usize..4,
    ) {
        round_trip(&rows, parts, Compression::Gzip).unwrap();
    }
}

#[test]
fn a_large_gzip_output_reads_back() -> rddflow::Result<()> {
    round_trip(&sample(20_000), 3, Compression::Gzip)
}

#[cfg(feature = "zstd")]
#[test]
fn zstd_outputs_decompress_to_the_plain_parts_and_read_back() -> rddflow::Result<()> {
    round_trip(&sample(2_000), 3, Compression::Zstd)
}

#[cfg(not(feature = "zstd"))]
#[test]
fn without_the_zstd_feature_a_zstd_save_is_invalid_argument_and_writes_nothing()
-> rddflow::Result<()> {
    let ctx = ctx();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let opts = SaveOptions::new().compression(Compression::Zstd);
    match Gen::new(&ctx, sample(5), 2)?
        .rows
        .save_as_csv_with(&out, &opts)
    {
        Err(Error::InvalidArgument(m)) => assert!(m.contains("zstd"), "{m}"),
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
    assert!(!out.exists());
    Ok(())
}

#[test]
fn a_compressed_save_into_a_non_empty_directory_is_output_exists() -> rddflow::Result<()> {
    let ctx = ctx();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), b"mine").unwrap();
    let opts = SaveOptions::new().compression(Compression::Gzip);
    match Gen::new(&ctx, sample(5), 2)?
        .rows
        .save_as_json_lines_with(&out, &opts)
    {
        Err(Error::OutputExists { path }) => assert_eq!(path, out),
        other => panic!("expected OutputExists, got {other:?}"),
    }
    assert_eq!(names(&out), ["keep.txt"]);
    Ok(())
}

#[test]
fn a_failed_compressed_save_leaves_no_parts_and_no_success() -> rddflow::Result<()> {
    let ctx = ctx();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let opts = SaveOptions::new().compression(Compression::Gzip);
    let err = Gen::new(&ctx, sample(40), 4)?
        .bombs
        .save_as_text_file_with(&out, &opts)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`Gen.bombs`") && err.contains("Display of the bomb row"),
        "{err}"
    );
    assert!(!out.exists(), "the failed job left {:?}", names(&out));
    Ok(())
}
