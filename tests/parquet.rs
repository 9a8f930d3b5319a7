//! `save_as_parquet` and `parquet_file` (feature `parquet`; SPEC.md sections 2 and 4): round
//! trips of awkward records, parts readable by arrow-rs's own reader, projection of a wide
//! file onto a narrow type, row groups as partitions, and bad input reported with the file,
//! the row group and the field.

use std::path::{Path, PathBuf};

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, UInt64Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use proptest::prelude::*;
use rddflow::Error;
use rddflow::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Rec {
    id: u64,
    text: String,
    note: Option<String>,
    delta: i64,
    score: Option<f64>,
    flag: bool,
}

/// [`Rec`] with its columns in another order and two more: read as `Rec` by projection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Wide {
    extra: String,
    score: Option<f64>,
    flag: bool,
    delta: i64,
    note: Option<String>,
    text: String,
    more: u32,
    id: u64,
}

/// A narrow view of [`Rec`]: two of its columns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Narrow {
    text: String,
    id: u64,
}

/// `id` as text: reading it as [`Rec`] is a type mismatch in field `id`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct TextId {
    id: String,
    text: String,
}

/// Panics while serializing the row whose id is this.
const BOMB: u64 = 13;

/// A row whose `Serialize` panics on [`BOMB`]; its schema is [`Narrow`]'s.
#[derive(Clone, Debug)]
struct Bomb(u64);

impl Serialize for Bomb {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        assert_ne!(self.0, BOMB, "Serialize of the bomb row");
        Narrow {
            text: format!("r{}", self.0),
            id: self.0,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Bomb {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Narrow::deserialize(d).map(|n| Bomb(n.id))
    }
}

fn wide(r: &Rec) -> Wide {
    Wide {
        extra: format!("extra {}", r.id),
        score: r.score,
        flag: r.flag,
        delta: r.delta,
        note: r.note.clone(),
        text: r.text.clone(),
        more: r.id as u32 ^ 7,
        id: r.id,
    }
}

rddflow::pipeline! {
    struct Gen(items: Vec<Rec>, parts: usize) {
        rows: Rec = parallelize(items, parts);
        wides: Wide = rows.map(|r| wide(&r));
        text_ids: TextId = rows.map(|r| TextId { id: format!("#{}", r.id), text: r.text });
    }
    struct Bombs(n: u64, parts: usize) {
        ids: u64 = range(0..n, parts);
        bombs: Bomb = ids.map(Bomb);
    }
    struct ReadRec(path: PathBuf, min: usize) {
        rows: Rec = parquet_file(path, min);
    }
    struct ReadNarrow(path: PathBuf) {
        rows: Narrow = parquet_file(path);
    }
}

fn ctx() -> Context {
    Context::builder()
        .threads(2)
        .task_max_failures(2)
        .build()
        .expect("context")
}

/// Text with the characters that break naive formats: separators, quotes, newlines, unicode.
fn awkward() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just(",".to_string()),
            Just("\"".to_string()),
            Just("\n".to_string()),
            Just("\r\n".to_string()),
            Just("'".to_string()),
            Just("\\".to_string()),
            Just("é€😀".to_string()),
            Just(String::new()),
            "[a-z ]{1,6}",
            any::<char>().prop_map(String::from),
        ],
        0..6,
    )
    .prop_map(|v| v.concat())
}

fn rec() -> impl Strategy<Value = Rec> {
    (
        any::<u64>(),
        awkward(),
        proptest::option::of(awkward()),
        any::<i64>(),
        proptest::option::of(-1e12f64..1e12),
        any::<bool>(),
    )
        .prop_map(|(id, text, note, delta, score, flag)| Rec {
            id,
            text,
            note,
            delta,
            score,
            flag,
        })
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

fn sample(n: u64) -> Vec<Rec> {
    (0..n)
        .map(|i| Rec {
            id: i,
            text: format!("row {i}, \"q\"\nline two é"),
            note: (i % 3 != 0).then(|| format!("note {i}")),
            delta: -(i as i64) * 3,
            score: (i % 4 != 1).then_some(i as f64 / 8.0),
            flag: i % 2 == 0,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn save_as_parquet_then_parquet_file_returns_the_input(
        rows in proptest::collection::vec(rec(), 0..40),
        parts in 1usize..5,
        min in 1usize..4,
    ) {
        let ctx = ctx();
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("pq");
        Gen::new(&ctx, rows.clone(), parts).unwrap().rows.save_as_parquet(&out).unwrap();
        let back = ReadRec::new(&ctx, out, min).unwrap().rows.collect().unwrap();
        prop_assert_eq!(back, rows);
    }
}

#[test]
fn parts_are_parquet_files_that_arrow_rs_reads_column_by_column() -> rddflow::Result<()> {
    let ctx = ctx();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pq");
    let rows = sample(50);
    Gen::new(&ctx, rows.clone(), 3)?
        .rows
        .save_as_parquet(&out)?;
    assert_eq!(
        names(&out),
        [
            "_SUCCESS",
            "part-00000.parquet",
            "part-00001.parquet",
            "part-00002.parquet"
        ]
    );
    // Read every part with arrow-rs's reader alone, column by column.
    let mut got = Vec::new();
    for p in 0..3 {
        let file = std::fs::File::open(out.join(format!("part-{p:05}.parquet"))).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .unwrap()
            .build()
            .unwrap();
        for batch in reader {
            let b = batch.unwrap();
            let names: Vec<_> = b
                .schema()
                .fields()
                .iter()
                .map(|f| f.name().clone())
                .collect();
            assert_eq!(names, ["id", "text", "note", "delta", "score", "flag"]);
            let ids = b.column(0).as_primitive::<UInt64Type>();
            let text = b.column(1);
            let note = b.column(2);
            let deltas = b.column(3).as_primitive::<Int64Type>();
            let scores = b.column(4).as_primitive::<Float64Type>();
            let flags = b.column(5).as_boolean();
            let string_at = |a: &dyn arrow_array::Array, i: usize| -> Option<String> {
                if a.is_null(i) {
                    return None;
                }
                Some(match a.as_string_opt::<i64>() {
                    Some(s) => s.value(i).to_string(),
                    None => a.as_string::<i32>().value(i).to_string(),
                })
            };
            for i in 0..b.num_rows() {
                use arrow_array::Array as _;
                got.push(Rec {
                    id: ids.value(i),
                    text: string_at(text.as_ref(), i).unwrap(),
                    note: string_at(note.as_ref(), i),
                    delta: deltas.value(i),
                    score: (!scores.is_null(i)).then(|| scores.value(i)),
                    flag: flags.value(i),
                });
            }
        }
    }
    assert_eq!(got, rows);
    Ok(())
}

#[test]
fn a_wide_file_reads_into_a_narrower_type_and_columns_match_by_name() -> rddflow::Result<()> {
    let ctx = ctx();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("wide");
    let rows = sample(30);
    Gen::new(&ctx, rows.clone(), 2)?
        .wides
        .save_as_parquet(&out)?;
    // All of `Rec`'s columns, in another order among extra ones.
    let back = ReadRec::new(&ctx, out.clone(), 2)?.rows.collect()?;
    assert_eq!(back, rows);
    // Two of them.
    let narrow = ReadNarrow::new(&ctx, out)?.rows.collect()?;
    let expected: Vec<Narrow> = rows
        .iter()
        .map(|r| Narrow {
            text: r.text.clone(),
            id: r.id,
        })
        .collect();
    assert_eq!(narrow, expected);
    Ok(())
}

#[test]
fn row_groups_are_partitions_and_files_of_a_glob_are_read_in_order() -> rddflow::Result<()> {
    let ctx = ctx();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pq");
    let rows = sample(40);
    Gen::new(&ctx, rows.clone(), 4)?
        .rows
        .save_as_parquet(&out)?;
    // Four small files of one row group each: even min_partitions 17 cannot cut a row group.
    let p = ReadRec::new(&ctx, out.clone(), 17)?;
    assert_eq!(p.rows.num_partitions(), 4);
    assert_eq!(p.rows.collect()?, rows);
    let glob = out.join("part-0000[13].parquet");
    let odd = ReadRec::new(&ctx, glob, 1)?.rows.collect()?;
    assert_eq!(odd, [&rows[10..20], &rows[30..40]].concat());
    Ok(())
}

#[test]
fn a_truncated_or_foreign_file_is_invalid_input_naming_it() -> rddflow::Result<()> {
    let ctx = ctx();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pq");
    Gen::new(&ctx, sample(100), 1)?.rows.save_as_parquet(&out)?;
    let good = std::fs::read(out.join("part-00000.parquet")).unwrap();
    let truncated = tmp.path().join("truncated.parquet");
    std::fs::write(&truncated, &good[..good.len() * 2 / 3]).unwrap();
    let foreign = tmp.path().join("foreign.parquet");
    std::fs::write(&foreign, b"id,text\n1,not parquet at all\n").unwrap();
    for bad in [truncated, foreign] {
        match ReadRec::new(&ctx, bad.clone(), 1) {
            Err(Error::InvalidInput { path, reason, .. }) => {
                assert_eq!(path, bad);
                assert!(reason.contains("Parquet"), "{reason}");
            }
            Err(other) => panic!("expected InvalidInput, got {other}"),
            Ok(_) => panic!("a bad file was accepted"),
        }
    }
    Ok(())
}

#[test]
fn a_corrupt_page_is_invalid_input_naming_the_file_and_row_group() -> rddflow::Result<()> {
    let ctx = ctx();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pq");
    Gen::new(&ctx, sample(500), 1)?.rows.save_as_parquet(&out)?;
    let part = out.join("part-00000.parquet");
    let mut bytes = std::fs::read(&part).unwrap();
    // The footer stays intact (its length and magic are the last 8 bytes); the pages after
    // the leading magic are overwritten.
    let end = bytes.len() / 2;
    for b in &mut bytes[4..end] {
        *b = 0xA5;
    }
    let bad = tmp.path().join("bad.parquet");
    std::fs::write(&bad, &bytes).unwrap();
    match ReadRec::new(&ctx, bad.clone(), 1)?.rows.collect() {
        Err(Error::InvalidInput { path, reason, .. }) => {
            assert_eq!(path, bad);
            assert!(reason.starts_with("row group 0: "), "{reason}");
        }
        Err(other) => panic!("expected InvalidInput, got {other}"),
        Ok(v) => panic!("a corrupt file read as {} rows", v.len()),
    }
    Ok(())
}

#[test]
fn a_type_mismatch_names_the_file_row_group_and_field() -> rddflow::Result<()> {
    let ctx = ctx();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("text_ids");
    Gen::new(&ctx, sample(10), 1)?
        .text_ids
        .save_as_parquet(&out)?;
    match ReadNarrow::new(&ctx, out.clone())?.rows.collect() {
        Err(Error::InvalidInput { path, reason, .. }) => {
            assert_eq!(path, out.join("part-00000.parquet"));
            assert!(reason.starts_with("row group 0: "), "{reason}");
            // serde_arrow names the field by its path in the record.
            assert!(
                reason.contains("field: \"$.id\""),
                "field not named: {reason}"
            );
        }
        Err(other) => panic!("expected InvalidInput, got {other}"),
        Ok(v) => panic!("text ids read as numbers: {v:?}"),
    }
    Ok(())
}

#[test]
fn a_failed_parquet_save_leaves_no_parts_and_no_success() -> rddflow::Result<()> {
    let ctx = ctx();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pq");
    // 100 rows in 4 partitions: the bomb is in partition 0, the other three succeed.
    let result = Bombs::new(&ctx, 100, 4)?.bombs.save_as_parquet(&out);
    let text = match result {
        Err(e) => e.to_string(),
        Ok(()) => panic!("expected the save to fail"),
    };
    assert!(text.contains("`Bombs.bombs`"), "node not named: {text}");
    assert!(text.contains("Serialize of the bomb row"), "{text}");
    assert!(!out.exists(), "the failed job left {:?}", names(&out));

    // Without the bomb the same save succeeds, and an existing output is refused.
    let ok = Bombs::new(&ctx, BOMB, 4)?;
    ok.bombs.save_as_parquet(&out)?;
    let ids: Vec<u64> = ReadNarrow::new(&ctx, out.clone())?
        .rows
        .collect()?
        .into_iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(ids, (0..BOMB).collect::<Vec<_>>());
    match ok.bombs.save_as_parquet(&out) {
        Err(Error::OutputExists { path }) => assert_eq!(path, out),
        other => panic!("expected OutputExists, got {other:?}"),
    }
    Ok(())
}

#[test]
fn an_element_type_without_a_table_schema_is_invalid_argument() -> rddflow::Result<()> {
    let ctx = ctx();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pq");
    match Bombs::new(&ctx, 3, 1)?.ids.save_as_parquet(&out) {
        Err(Error::InvalidArgument(m)) => assert!(m.contains("u64"), "{m}"),
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
    assert!(!out.exists());
    Ok(())
}
