//! `csv_file` and `json_lines` (SPEC.md section 2): records deserialized into the node's type,
//! CSV columns matched by header name, splits on record boundaries (never inside a quoted
//! newline), round trips with `save_as_csv` and `save_as_json_lines`, and malformed records
//! reported with their file and line.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use rddflow::Error;
use rddflow::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Rec {
    id: u64,
    text: String,
    note: String,
    delta: i64,
}

rddflow::pipeline! {
    struct Gen(items: Vec<Rec>, parts: usize) {
        rows: Rec = parallelize(items, parts);
    }
    struct ReadCsv(path: PathBuf, min: usize) {
        rows: Rec = csv_file(path, min);
    }
    struct ReadJson(path: PathBuf, min: usize) {
        rows: Rec = json_lines(path, min);
    }
    struct ReadCsvDefault(path: PathBuf) {
        rows: Rec = csv_file(path);
    }
}

fn ctx() -> Context {
    Context::builder()
        .threads(2)
        .task_max_failures(1)
        .build()
        .expect("context")
}

/// Strings with what CSV and JSON must escape: commas, quotes, CR and LF, unicode.
fn awkward() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just(",".to_string()),
            Just("\"".to_string()),
            Just("\n".to_string()),
            Just("\r\n".to_string()),
            Just("\\".to_string()),
            Just("é日😀".to_string()),
            Just(" ".to_string()),
            "[a-z]{1,4}",
        ],
        0..8,
    )
    .prop_map(|parts| parts.concat())
}

fn rec() -> impl Strategy<Value = Rec> {
    (any::<u64>(), awkward(), awkward(), any::<i64>()).prop_map(|(id, text, note, delta)| Rec {
        id,
        text,
        note,
        delta,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn save_as_csv_then_csv_file_returns_the_input(
        rows in proptest::collection::vec(rec(), 0..40),
        parts in 1usize..5,
        min in 1usize..4,
    ) {
        let ctx = ctx();
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("csv");
        Gen::new(&ctx, rows.clone(), parts).unwrap().rows.save_as_csv(&out).unwrap();
        let back = ReadCsv::new(&ctx, out, min).unwrap().rows.collect().unwrap();
        prop_assert_eq!(back, rows);
    }

    #[test]
    fn save_as_json_lines_then_json_lines_returns_the_input(
        rows in proptest::collection::vec(rec(), 0..40),
        parts in 1usize..5,
        min in 1usize..4,
    ) {
        let ctx = ctx();
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("json");
        Gen::new(&ctx, rows.clone(), parts).unwrap().rows.save_as_json_lines(&out).unwrap();
        let back = ReadJson::new(&ctx, out, min).unwrap().rows.collect().unwrap();
        prop_assert_eq!(back, rows);
    }
}

/// A few megabytes of CSV in which most records hold quoted newlines, commas and quotes, so
/// that a byte offset picked at random often lies inside a quoted field.
fn big_csv(path: &Path) {
    let mut text = String::from("id,text,note,delta\n");
    let mut i = 0u64;
    while text.len() < 3 << 20 {
        let _ = match i % 4 {
            0 => writeln!(
                text,
                "{i},\"line one\nline two, with comma\",plain,{}",
                -(i as i64)
            ),
            1 => writeln!(text, "{i},\"say \"\"hi\"\"\r\nbye\",\"a\nb\nc\",{i}"),
            2 => writeln!(text, "{i},short,\"ünï,cødé\n\",0"),
            _ => writeln!(text, "{i},\"{}\",x,1", "long\n".repeat((i % 50) as usize)),
        };
        i += 1;
    }
    std::fs::write(path, text).unwrap();
}

fn csv_crate_records(path: &Path) -> Vec<Rec> {
    csv::Reader::from_path(path)
        .unwrap()
        .deserialize()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn a_multi_megabyte_csv_read_in_1_3_and_17_partitions_gives_the_csv_crates_records()
-> rddflow::Result<()> {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("big.csv");
    big_csv(&f);
    let want = csv_crate_records(&f);
    assert!(want.len() > 10_000);
    let ctx = ctx();
    for min in [1, 3, 17] {
        let r = ReadCsv::new(&ctx, f.clone(), min)?;
        assert!(r.rows.num_partitions() >= min, "{min} partitions asked");
        let got = r.rows.collect()?;
        assert_eq!(got.len(), want.len(), "{min} partitions");
        assert!(got == want, "{min} partitions: records differ");
    }
    Ok(())
}

#[test]
fn json_lines_read_in_1_3_and_17_partitions_gives_every_line_once() -> rddflow::Result<()> {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("big.jsonl");
    let rows: Vec<Rec> = (0..20_000u64)
        .map(|i| Rec {
            id: i,
            text: "x\n,\"".repeat((i % 7) as usize),
            note: format!("n{i}"),
            delta: -(i as i64),
        })
        .collect();
    let mut text = String::new();
    for r in &rows {
        text.push_str(&serde_json::to_string(r).unwrap());
        text.push('\n');
    }
    std::fs::write(&f, text).unwrap();
    let ctx = ctx();
    for min in [1, 3, 17] {
        let r = ReadJson::new(&ctx, f.clone(), min)?;
        assert!(r.rows.num_partitions() >= min);
        assert!(r.rows.collect()? == rows, "{min} partitions");
    }
    Ok(())
}

#[test]
fn csv_columns_are_matched_by_header_name_in_any_order() -> rddflow::Result<()> {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("swapped.csv");
    std::fs::write(
        &f,
        "delta,note,extra,text,id\n-1,\"a,b\",ignored,\"multi\nline\",7\n5,,x,plain,8\n",
    )
    .unwrap();
    let got = ReadCsvDefault::new(&ctx(), f)?.rows.collect()?;
    assert_eq!(
        got,
        vec![
            Rec {
                id: 7,
                text: "multi\nline".into(),
                note: "a,b".into(),
                delta: -1
            },
            Rec {
                id: 8,
                text: "plain".into(),
                note: String::new(),
                delta: 5
            },
        ]
    );
    Ok(())
}

/// The `InvalidInput` of `result`: its file, and its reason (which names the line).
fn invalid(result: rddflow::Result<Vec<Rec>>) -> (PathBuf, u64, String) {
    match result {
        Err(Error::InvalidInput {
            path,
            offset,
            reason,
        }) => (path, offset, reason),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn a_malformed_csv_record_names_the_file_and_line() -> rddflow::Result<()> {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("short.csv");
    // The third record starts on line 5 (the first spans lines 2 and 3); it lacks a field.
    std::fs::write(
        &f,
        "id,text,note,delta\n1,\"two\nlines\",n,2\n3,t,n,4\n5,t,6\n",
    )
    .unwrap();
    let (path, offset, reason) = invalid(ReadCsvDefault::new(&ctx(), f.clone())?.rows.collect());
    assert_eq!(path, f);
    assert!(reason.starts_with("line 5:"), "{reason}");
    assert_eq!(
        offset,
        "id,text,note,delta\n1,\"two\nlines\",n,2\n3,t,n,4\n".len() as u64
    );
    Ok(())
}

#[test]
fn a_csv_type_mismatch_names_the_file_line_and_field() -> rddflow::Result<()> {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("mismatch.csv");
    std::fs::write(&f, "id,text,note,delta\n1,a,b,2\n2,a,b,lots\n").unwrap();
    let (path, _, reason) = invalid(ReadCsvDefault::new(&ctx(), f.clone())?.rows.collect());
    assert_eq!(path, f);
    assert!(reason.starts_with("line 3:"), "{reason}");
    assert!(reason.contains("field `delta`"), "{reason}");
    Ok(())
}

#[test]
fn a_csv_error_in_a_later_split_names_its_absolute_line() -> rddflow::Result<()> {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("late.csv");
    let mut text = String::from("id,text,note,delta\n");
    for i in 0..5000 {
        // Two lines per record.
        writeln!(text, "{i},\"a\nb\",n,{i}").unwrap();
    }
    text.push_str("5000,a,b,oops\n");
    std::fs::write(&f, text).unwrap();
    let r = ReadCsv::new(&ctx(), f.clone(), 4)?;
    assert!(r.rows.num_partitions() >= 4);
    let (path, _, reason) = invalid(r.rows.collect());
    assert_eq!(path, f);
    assert!(
        reason.starts_with(&format!("line {}:", 2 + 2 * 5000)),
        "{reason}"
    );
    assert!(reason.contains("field `delta`"), "{reason}");
    Ok(())
}

#[test]
fn malformed_json_lines_name_the_file_line_and_field() -> rddflow::Result<()> {
    let tmp = tempfile::tempdir().unwrap();
    let good = r#"{"id":1,"text":"t","note":"n","delta":2}"#;
    let syntax = tmp.path().join("syntax.jsonl");
    std::fs::write(&syntax, format!("{good}\n\n{good}\n{{\"id\":3,\n")).unwrap();
    let (path, offset, reason) = invalid(ReadJson::new(&ctx(), syntax.clone(), 1)?.rows.collect());
    assert_eq!(path, syntax);
    assert!(reason.starts_with("line 4:"), "{reason}");
    assert_eq!(offset, 2 * good.len() as u64 + 3);

    let mismatch = tmp.path().join("mismatch.jsonl");
    let mut text = String::new();
    for _ in 0..3000 {
        text.push_str(good);
        text.push('\n');
    }
    text.push_str(r#"{"id":1,"text":"t","note":"n","delta":"two"}"#);
    text.push('\n');
    std::fs::write(&mismatch, text).unwrap();
    let (path, _, reason) = invalid(ReadJson::new(&ctx(), mismatch.clone(), 3)?.rows.collect());
    assert_eq!(path, mismatch);
    assert!(reason.starts_with("line 3001:"), "{reason}");
    assert!(reason.contains("field `delta`"), "{reason}");
    Ok(())
}
