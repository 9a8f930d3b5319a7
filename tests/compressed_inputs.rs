//! `.gz` and `.zst` inputs (SPEC.md section 2): `text_file`, `csv_file` and `json_lines`
//! decompress by extension, one partition per compressed file, and give the same records as
//! the uncompressed files; a truncated or corrupt compressed file is an error naming it, never
//! fewer records. The `.zst` cases need the cargo feature `zstd`.

use std::io::Write;
use std::path::{Path, PathBuf};

use rddflow::Error;
use rddflow::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Rec {
    id: u64,
    text: String,
}

rddflow::pipeline! {
    struct Lines(path: PathBuf) {
        lines: String = text_file(path, 4);
    }
    struct Csv(path: PathBuf) {
        rows: Rec = csv_file(path, 4);
    }
    struct Json(path: PathBuf) {
        rows: Rec = json_lines(path, 4);
    }
}

fn ctx() -> Context {
    Context::builder()
        .threads(2)
        .task_max_failures(1)
        .build()
        .expect("context")
}

fn recs(n: u64) -> Vec<Rec> {
    (0..n)
        .map(|i| Rec {
            id: i,
            text: format!("r{i}, \"q\"\nü"),
        })
        .collect()
}

fn csv_text(rows: &[Rec]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r).unwrap();
    }
    w.into_inner().unwrap()
}

fn json_text(rows: &[Rec]) -> Vec<u8> {
    rows.iter()
        .flat_map(|r| format!("{}\n", serde_json::to_string(r).unwrap()).into_bytes())
        .collect()
}

fn text_text(n: u64) -> Vec<u8> {
    (0..n)
        .flat_map(|i| format!("line {i}\n").into_bytes())
        .collect()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Writes `name` (plain) and `name.ext` compressed by `compress` into `dir`.
fn write_both(dir: &Path, name: &str, ext: &str, bytes: &[u8], compress: fn(&[u8]) -> Vec<u8>) {
    std::fs::write(dir.join(name), bytes).unwrap();
    std::fs::write(dir.join(format!("{name}.{ext}")), compress(bytes)).unwrap();
}

/// Every source reads the compressed file as one partition, with the plain file's records.
fn same_records(ext: &str, compress: fn(&[u8]) -> Vec<u8>) -> rddflow::Result<()> {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let rows = recs(3000);
    write_both(d, "t.txt", ext, &text_text(20_000), compress);
    write_both(d, "r.csv", ext, &csv_text(&rows), compress);
    write_both(d, "r.jsonl", ext, &json_text(&rows), compress);
    let ctx = ctx();
    let z = |n: &str| d.join(format!("{n}.{ext}"));

    let plain = Lines::new(&ctx, d.join("t.txt"))?;
    let packed = Lines::new(&ctx, z("t.txt"))?;
    assert!(plain.lines.num_partitions() >= 4);
    assert_eq!(packed.lines.num_partitions(), 1);
    assert_eq!(packed.lines.collect()?, plain.lines.collect()?);

    let packed = Csv::new(&ctx, z("r.csv"))?;
    assert_eq!(packed.rows.num_partitions(), 1);
    assert_eq!(packed.rows.collect()?, rows);
    assert_eq!(Csv::new(&ctx, d.join("r.csv"))?.rows.collect()?, rows);

    let packed = Json::new(&ctx, z("r.jsonl"))?;
    assert_eq!(packed.rows.num_partitions(), 1);
    assert_eq!(packed.rows.collect()?, rows);
    Ok(())
}

/// The error of `result` names `file`.
fn assert_names_file<T: std::fmt::Debug>(result: rddflow::Result<T>, file: &Path) {
    match result {
        Err(Error::Io { path, .. } | Error::InvalidInput { path, .. }) => assert_eq!(path, file),
        other => panic!("expected an error naming {}, got {other:?}", file.display()),
    }
}

/// A compressed file cut short, or with bytes changed in the middle, fails every source.
fn damaged_is_an_error(ext: &str, compress: fn(&[u8]) -> Vec<u8>) {
    let tmp = tempfile::tempdir().unwrap();
    let rows = recs(5000);
    let ctx = ctx();
    for (name, bytes) in [
        ("t.txt", text_text(50_000)),
        ("r.csv", csv_text(&rows)),
        ("r.jsonl", json_text(&rows)),
    ] {
        let whole = compress(&bytes);
        let truncated = tmp.path().join(format!("cut-{name}.{ext}"));
        std::fs::write(&truncated, &whole[..whole.len() / 2]).unwrap();
        let mut bad = whole.clone();
        let mid = bad.len() / 2;
        for b in &mut bad[mid..mid + 16] {
            *b ^= 0x5A;
        }
        let corrupt = tmp.path().join(format!("bad-{name}.{ext}"));
        std::fs::write(&corrupt, &bad).unwrap();
        for f in [truncated, corrupt] {
            // `csv_file` reads the header in `new`: the damage may show there already.
            let result = match name {
                "t.txt" => Lines::new(&ctx, f.clone()).and_then(|p| p.lines.count()),
                "r.csv" => Csv::new(&ctx, f.clone()).and_then(|p| p.rows.count()),
                _ => Json::new(&ctx, f.clone()).and_then(|p| p.rows.count()),
            };
            assert_names_file(result, &f);
        }
    }
}

#[test]
fn gz_inputs_give_the_plain_records_in_one_partition() -> rddflow::Result<()> {
    same_records("gz", gzip)
}

#[test]
fn a_truncated_or_corrupt_gz_is_an_error_naming_it() {
    damaged_is_an_error("gz", gzip);
}

/// With a content checksum, as the `zstd` command line writes by default: without one a
/// changed literal byte decodes to different data and cannot be detected.
#[cfg(feature = "zstd")]
fn zstd(bytes: &[u8]) -> Vec<u8> {
    let mut e = zstd::Encoder::new(Vec::new(), 3).unwrap();
    e.include_checksum(true).unwrap();
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[cfg(feature = "zstd")]
#[test]
fn zst_inputs_give_the_plain_records_in_one_partition() -> rddflow::Result<()> {
    same_records("zst", zstd)
}

#[cfg(feature = "zstd")]
#[test]
fn a_truncated_or_corrupt_zst_is_an_error_naming_it() {
    damaged_is_an_error("zst", zstd);
}

#[cfg(not(feature = "zstd"))]
#[test]
fn without_the_zstd_feature_a_zst_input_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("x.txt.zst");
    std::fs::write(&f, b"not read").unwrap();
    match Lines::new(&ctx(), f.clone()) {
        Err(Error::Io { path, source, .. }) => {
            assert_eq!(path, f);
            assert!(source.to_string().contains("`zstd`"), "{source}");
        }
        Err(other) => panic!("expected Io naming the file, got {other:?}"),
        Ok(_) => panic!("expected an error"),
    }
}
