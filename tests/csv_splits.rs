//! `csv_file`'s splits (SPEC.md section 2, "split on record boundaries"): generated files
//! with awkward fields (commas, quotes, `\r\n`, bare `\r`, newlines inside quotes, unicode,
//! empty lines, quotes the `csv` crate reads as literal text) read in 1, 3 and 17 partitions
//! give exactly what the `csv` crate parses from the whole file, and a malformed record's
//! error names the line and byte the crate gives it, whatever the partition count.

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
    struct ReadCsv(path: PathBuf, min: usize) {
        rows: Rec = csv_file(path, min);
    }
}

const HEADER: &str = "id,text,note,delta\n";

fn ctx() -> Context {
    Context::builder()
        .threads(2)
        .task_max_failures(1)
        .build()
        .expect("context")
}

/// The CSV text of a string field: plain, quoted with awkward content, or (if `quirky`) with
/// a quote the crate reads as text (`ab"c`, `"ab"c`, `"a" b`), which a quote-parity model of
/// the file gets wrong.
fn field(quirky: bool) -> BoxedStrategy<String> {
    let quoted = proptest::collection::vec(
        prop_oneof![
            Just(","),
            Just("\"\""),
            Just("\n"),
            Just("\r\n"),
            Just("\r"),
            Just("é日😀"),
            Just(" "),
            Just("ab"),
        ],
        0..6,
    )
    .prop_map(|p| format!("\"{}\"", p.concat()));
    let plain = "[a-z é]{0,6}".prop_map(|s| s.to_string());
    if quirky {
        prop_oneof![
            3 => quoted,
            3 => plain,
            1 => Just("ab\"c".to_string()),
            1 => Just("\"ab\"c".to_string()),
            1 => Just("\"a\" b".to_string()),
        ]
        .boxed()
    } else {
        prop_oneof![quoted, plain].boxed()
    }
}

/// A record's end: `\n`, `\r\n`, a bare `\r`, or one followed by empty lines.
fn end() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just("\n"),
        Just("\r\n"),
        Just("\r"),
        Just("\n\n"),
        Just("\r\n\r\n\n")
    ]
}

/// Records (as CSV text) numbered from 0.
fn records(quirky: bool) -> impl Strategy<Value = Vec<String>> {
    proptest::collection::vec((field(quirky), field(quirky), any::<i64>(), end()), 0..80).prop_map(
        |recs| {
            recs.into_iter()
                .enumerate()
                .map(|(i, (text, note, delta, end))| format!("{i},{text},{note},{delta}{end}"))
                .collect()
        },
    )
}

/// The file's text: the header, the records, the last one's end dropped if `open_end`.
fn file_text(records: &[String], open_end: bool) -> String {
    let mut text = format!("{HEADER}{}", records.concat());
    if open_end {
        while text.len() > HEADER.len() && text.ends_with(['\n', '\r']) {
            text.pop();
        }
    }
    text
}

fn csv_crate_records(path: &Path) -> Vec<Rec> {
    csv::Reader::from_path(path)
        .unwrap()
        .deserialize()
        .collect::<Result<_, _>>()
        .expect("the csv crate reads the generated file")
}

/// Reads `path` in 1, 3 and 17 partitions and checks each against the csv crate.
fn assert_reads_like_the_csv_crate(path: &Path) -> Result<(), TestCaseError> {
    let want = csv_crate_records(path);
    let ctx = ctx();
    for min in [1, 3, 17] {
        let r = ReadCsv::new(&ctx, path.to_path_buf(), min).unwrap();
        let got = r.rows.collect();
        prop_assert!(
            matches!(&got, Ok(got) if *got == want),
            "{min} partitions: {got:?}, want {want:?}"
        );
    }
    Ok(())
}

/// The line and byte the csv crate gives the first record that does not fit `Rec` (a field
/// missing or a number that is not one).
fn first_bad_record(path: &Path) -> (u64, u64) {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .unwrap();
    let headers = rdr.headers().unwrap().clone();
    for rec in rdr.records() {
        let rec = rec.unwrap();
        if rec.len() != headers.len() || rec.deserialize::<Rec>(Some(&headers)).is_err() {
            let pos = rec.position().unwrap();
            return (pos.line(), pos.byte());
        }
    }
    panic!("no bad record in {}", path.display());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Input the quote model follows (the fast boundary scan) and input with quirky quotes
    /// (the scan gives up and the `csv` crate's own pass cuts the file).
    #[test]
    fn generated_csv_in_1_3_and_17_partitions_is_what_the_csv_crate_parses(
        recs in any::<bool>().prop_flat_map(records),
        open_end in any::<bool>(),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("gen.csv");
        std::fs::write(&f, file_text(&recs, open_end)).unwrap();
        assert_reads_like_the_csv_crate(&f)?;
    }

    /// A malformed record among generated ones: the same error, with the line and byte the
    /// `csv` crate gives the record, whatever the partition count.
    #[test]
    fn a_malformed_records_line_does_not_depend_on_the_partition_count(
        recs in any::<bool>().prop_flat_map(records),
        at in any::<prop::sample::Index>(),
        short in any::<bool>(),
        end in end(),
    ) {
        let mut recs = recs;
        let bad = if short {
            format!("{},\"a\nb\",7{end}", recs.len())
        } else {
            format!("{},t,\"n\r\n\",oops{end}", recs.len())
        };
        let at = at.index(recs.len() + 1);
        recs.insert(at, bad);
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("bad.csv");
        std::fs::write(&f, file_text(&recs, false)).unwrap();
        let (line, byte) = first_bad_record(&f);
        let ctx = ctx();
        for min in [1, 3, 17] {
            let got = ReadCsv::new(&ctx, f.clone(), min).unwrap().rows.collect();
            match got {
                Err(Error::InvalidInput { path, offset, reason }) => {
                    prop_assert_eq!(&path, &f);
                    prop_assert!(reason.starts_with(&format!("line {line}:")), "{min}: {reason}");
                    prop_assert_eq!(offset, byte, "{} partitions: {}", min, reason);
                }
                other => prop_assert!(false, "{min} partitions: {other:?}"),
            }
        }
    }
}

/// A literal quote in an unquoted field (`ab"c`) inverts a quote-parity model for the rest of
/// the file: each newline inside `"multi\nline"` would look like a record end and each real
/// record end like a quoted newline, so every split after the first would start mid-record.
/// The file must be cut by the `csv` crate's own reading instead.
#[test]
fn a_literal_quote_in_an_unquoted_field_does_not_misplace_the_splits() -> rddflow::Result<()> {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("quirky.csv");
    let mut text = format!("{HEADER}0,ab\"c,n,0\n");
    for i in 1..4000 {
        text.push_str(&format!("{i},\"multi\nline, {i}\",n,{i}\r\n"));
    }
    std::fs::write(&f, text).unwrap();
    let want = csv_crate_records(&f);
    assert_eq!(want[0].text, "ab\"c");
    assert_eq!(want.len(), 4000);
    let ctx = ctx();
    for min in [1, 3, 17] {
        let r = ReadCsv::new(&ctx, f.clone(), min)?;
        assert!(r.rows.num_partitions() >= min, "{min} partitions asked");
        assert!(
            r.rows.collect()? == want,
            "{min} partitions: records differ"
        );
    }
    Ok(())
}

/// The same in a file of several megabytes, which the scan cuts into pieces scanned in
/// parallel: the quirky quote lies in a later piece, and the crate's own pass takes over.
#[test]
fn a_quirky_quote_deep_in_a_multi_megabyte_file_does_not_misplace_the_splits() -> rddflow::Result<()>
{
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("deep.csv");
    let mut text = String::from(HEADER);
    let mut i = 0u64;
    while text.len() < 3 << 20 {
        let note = if i == 70_000 { "ab\"c" } else { "n" };
        text.push_str(&format!("{i},\"multi\nline, {i}\",{note},{i}\r\n"));
        i += 1;
    }
    assert!(i > 70_000);
    std::fs::write(&f, text).unwrap();
    let want = csv_crate_records(&f);
    assert_eq!(want[70_000].note, "ab\"c");
    let ctx = ctx();
    for min in [1, 3, 17] {
        let r = ReadCsv::new(&ctx, f.clone(), min)?;
        assert!(r.rows.num_partitions() >= min, "{min} partitions asked");
        assert!(
            r.rows.collect()? == want,
            "{min} partitions: records differ"
        );
    }
    Ok(())
}
