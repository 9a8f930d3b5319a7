//! Saves (SPEC.md section 4): `save_as_json_lines` and `save_as_csv` write one part per
//! partition that the `serde_json` and `csv` crates read back as the partition's elements, and
//! every save commits like Hadoop's output committer: a failed job leaves no part and no
//! `_SUCCESS`, and a non-empty output directory is `Error::OutputExists`.

use std::path::{Path, PathBuf};

use rddflow::Error;
use rddflow::prelude::*;
use serde::{Deserialize, Serialize};

/// Panics while serializing the row whose id is this.
const BOMB: u64 = 13;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Row {
    id: u64,
    name: String,
    score: f64,
}

/// A row whose `Serialize` panics on [`BOMB`].
#[derive(Clone, Debug)]
struct Bomb(u64);

impl Serialize for Bomb {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        assert_ne!(self.0, BOMB, "Serialize of the bomb row");
        Row {
            id: self.0,
            name: format!("r{}", self.0),
            score: 0.5,
        }
        .serialize(s)
    }
}

fn row(i: u64) -> Row {
    Row {
        id: i,
        name: format!("n{i}, \"quoted\"\nsecond line é"),
        score: i as f64 / 4.0,
    }
}

rddflow::pipeline! {
    struct Saves(n: u64, parts: usize) {
        ids: u64 = range(0..n, parts);
        rows: Row = ids.map(row);
        bombs: Bomb = ids.map(Bomb);
    }
}

fn ctx() -> Context {
    Context::builder()
        .threads(2)
        .task_max_failures(2)
        .build()
        .expect("context")
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

fn parts(dir: &Path) -> Vec<PathBuf> {
    names(dir)
        .into_iter()
        .filter(|n| n.starts_with("part-"))
        .map(|n| dir.join(n))
        .collect()
}

#[test]
fn json_lines_parts_hold_each_partition_as_serde_json_reads_it() -> rddflow::Result<()> {
    let ctx = ctx();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("json");
    let p = Saves::new(&ctx, 50, 4)?;
    p.rows.save_as_json_lines(&out)?;
    assert_eq!(
        names(&out),
        vec![
            "_SUCCESS",
            "part-00000.jsonl",
            "part-00001.jsonl",
            "part-00002.jsonl",
            "part-00003.jsonl"
        ]
    );
    for (i, part) in parts(&out).iter().enumerate() {
        let text = std::fs::read_to_string(part).unwrap();
        let got: Vec<Row> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let (lo, hi) = (i as u64 * 50 / 4, (i as u64 + 1) * 50 / 4);
        assert_eq!(got, (lo..hi).map(row).collect::<Vec<_>>(), "part {i}");
    }
    assert_eq!(std::fs::read(out.join("_SUCCESS")).unwrap().len(), 0);
    Ok(())
}

#[test]
fn csv_parts_have_a_header_and_hold_each_partition_as_the_csv_crate_reads_it() -> rddflow::Result<()>
{
    let ctx = ctx();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("csv");
    let p = Saves::new(&ctx, 50, 3)?;
    p.rows.save_as_csv(&out)?;
    let files = parts(&out);
    assert_eq!(files.len(), 3);
    assert!(out.join("_SUCCESS").is_file());
    let mut all = Vec::new();
    for part in &files {
        let mut r = csv::Reader::from_path(part).unwrap();
        assert_eq!(r.headers().unwrap(), vec!["id", "name", "score"]);
        for rec in r.deserialize::<Row>() {
            all.push(rec.unwrap());
        }
    }
    assert_eq!(all, (0..50).map(row).collect::<Vec<_>>());
    Ok(())
}

/// A `Serialize` that panics in one partition on every attempt fails the job, naming the
/// node; the other partitions' parts, already written, are not left behind.
fn assert_failed_save_leaves_nothing(result: rddflow::Result<()>, out: &Path) {
    let text = match result {
        Err(e) => e.to_string(),
        Ok(()) => panic!("expected the save to fail"),
    };
    assert!(text.contains("`Saves.bombs`"), "node not named: {text}");
    assert!(text.contains("Serialize of the bomb row"), "{text}");
    let left = names(out);
    assert!(left.is_empty(), "a failed save left {left:?}");
}

#[test]
fn a_panicking_serialize_mid_save_leaves_no_parts_and_no_success() -> rddflow::Result<()> {
    let ctx = ctx();
    let tmp = tempfile::tempdir().unwrap();
    // 100 rows in 4 partitions: the bomb is in partition 0, the other three succeed.
    let p = Saves::new(&ctx, 100, 4)?;
    let json = tmp.path().join("json");
    assert_failed_save_leaves_nothing(p.bombs.save_as_json_lines(&json), &json);
    assert!(
        !json.exists(),
        "the job created the directory: it removes it"
    );
    let csv = tmp.path().join("csv");
    assert_failed_save_leaves_nothing(p.bombs.save_as_csv(&csv), &csv);

    // An empty directory that existed before is left, empty.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert_failed_save_leaves_nothing(p.bombs.save_as_csv(&empty), &empty);
    assert!(empty.is_dir());

    // The same save without the bomb succeeds into that directory.
    let q = Saves::new(&ctx, BOMB, 4)?;
    q.bombs.save_as_csv(&empty)?;
    let mut ids = Vec::new();
    for part in parts(&empty) {
        let mut r = csv::Reader::from_path(part).unwrap();
        ids.extend(r.deserialize::<Row>().map(|x| x.unwrap().id));
    }
    assert_eq!(ids, (0..BOMB).collect::<Vec<_>>());
    assert!(empty.join("_SUCCESS").is_file());
    Ok(())
}

#[test]
fn a_non_empty_output_directory_is_output_exists_and_left_alone() -> rddflow::Result<()> {
    let ctx = ctx();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), b"mine").unwrap();
    let p = Saves::new(&ctx, 10, 2)?;
    for result in [
        p.rows.save_as_csv(&out),
        p.rows.save_as_json_lines(&out),
        p.ids.save_as_text_file(&out),
    ] {
        match result {
            Err(Error::OutputExists { path }) => assert_eq!(path, out),
            other => panic!("expected OutputExists, got {other:?}"),
        }
    }
    assert_eq!(names(&out), vec!["keep.txt"]);
    assert_eq!(std::fs::read(out.join("keep.txt")).unwrap(), b"mine");
    Ok(())
}
