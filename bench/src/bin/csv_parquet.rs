//! Reading CSV into a struct, and writing it back as Parquet: rddflow (`csv_file`,
//! `save_as_parquet`) against a hand-written program (the `csv` crate on rayon, and arrow-rs's
//! column builders and `ArrowWriter`) on the same file, in the same process, the two sides
//! alternated run by run; medians and ratios printed.
//!
//! ```sh
//! cargo run --profile bench-release -p rddflow-bench --features parquet --bin csv_parquet  # [--rows N] [--reps N]
//! ```
//!
//! Both sides read the same number of splits (`--parts`, default 4 per thread) and do the same
//! work: "read" deserializes every row into [`Row`] and sums a column (the sums must agree);
//! "read + write" also writes each split as one Snappy-compressed Parquet file (rddflow's
//! parts are read back and compared with the hand-written ones' row count and sum). The
//! hand-written reader cuts the file at newlines, which is right only because the generated
//! data has no quoted newline; `csv_file` cannot assume that and first scans the file once for
//! record ends outside quotes (see ARCHITECTURE.md, "Sources"), which its time includes; that
//! planning is also timed alone.

// Both sides on the system allocator unless the harness's `mimalloc` feature is on.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::builder::{Float64Builder, Int64Builder, StringBuilder, UInt64Builder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use rddflow::prelude::*;
use serde::{Deserialize, Serialize};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// One CSV record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Row {
    id: u64,
    user: String,
    city: String,
    amount_cents: u64,
    ts: i64,
    score: f64,
    note: String,
}

rddflow::pipeline! {
    struct ReadCsv(path: PathBuf, parts: usize) {
        rows: Row = csv_file(path, parts);
        amounts: u64 = rows.map(|r| r.amount_cents);
    }
    struct ReadParquet(path: PathBuf) {
        rows: Row = parquet_file(path);
        amounts: u64 = rows.map(|r| r.amount_cents);
    }
}

const CITIES: [&str; 8] = [
    "Oslo",
    "Lisbon",
    "Riga",
    "Porto",
    "Dublin",
    "São Paulo",
    "Zürich",
    "Kraków",
];
const NOTES: [&str; 5] = ["", "", "gift, wrapped", "said \"thanks\"", "paid in cash"];

/// `rows` records from a fixed seed (commas and quotes in some fields, no newline).
fn write_data(path: &Path, rows: u64) -> Res<()> {
    let mut rng = rand_pcg::Pcg64::seed_from_u64(20261203);
    let mut w = csv::Writer::from_writer(BufWriter::new(File::create(path)?));
    for id in 0..rows {
        w.serialize(Row {
            id,
            user: format!("user{:06}", rng.random_range(0..200_000u32)),
            city: CITIES[rng.random_range(0..CITIES.len())].to_string(),
            amount_cents: rng.random_range(1..100_000),
            ts: 1_760_000_000 + rng.random_range(0..31_536_000i64),
            score: rng.random::<f64>() * 5.0,
            note: NOTES[rng.random_range(0..NOTES.len())].to_string(),
        })?;
    }
    w.flush()?;
    Ok(())
}

/// The hand-written splits: `parts` byte ranges of the file, each starting after a newline.
fn hand_splits(path: &Path, parts: usize) -> Res<(csv::StringRecord, Vec<(u64, u64)>)> {
    let len = std::fs::metadata(path)?.len();
    let mut r = BufReader::new(File::open(path)?);
    let mut header = String::new();
    r.read_line(&mut header)?;
    let headers = csv::StringRecord::from(header.trim_end().split(',').collect::<Vec<_>>());
    let first = header.len() as u64;
    let mut cuts = vec![first];
    for i in 1..parts as u64 {
        let goal = first + (len - first) * i / parts as u64;
        r.seek(SeekFrom::Start(goal))?;
        let mut skip = Vec::new();
        let n = r.read_until(b'\n', &mut skip)? as u64;
        cuts.push((goal + n).min(len));
    }
    cuts.push(len);
    Ok((headers, cuts.windows(2).map(|w| (w[0], w[1])).collect()))
}

/// Reads `(start, end)` of `path` with the csv crate, calling `f` on every row.
fn hand_read(
    path: &Path,
    headers: &csv::StringRecord,
    (start, end): (u64, u64),
    mut f: impl FnMut(Row),
) -> Res<()> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(start))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .buffer_capacity(1 << 16)
        .from_reader(file.take(end - start));
    let mut rec = csv::StringRecord::new();
    while rdr.read_record(&mut rec)? {
        f(rec.deserialize(Some(headers))?);
    }
    Ok(())
}

fn hand_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::UInt64, false),
        Field::new("user", DataType::Utf8, false),
        Field::new("city", DataType::Utf8, false),
        Field::new("amount_cents", DataType::UInt64, false),
        Field::new("ts", DataType::Int64, false),
        Field::new("score", DataType::Float64, false),
        Field::new("note", DataType::Utf8, false),
    ]))
}

/// Column builders of one batch.
#[derive(Default)]
struct Columns {
    id: UInt64Builder,
    user: StringBuilder,
    city: StringBuilder,
    amount: UInt64Builder,
    ts: Int64Builder,
    score: Float64Builder,
    note: StringBuilder,
    rows: usize,
}

impl Columns {
    fn push(&mut self, r: Row) {
        self.id.append_value(r.id);
        self.user.append_value(&r.user);
        self.city.append_value(&r.city);
        self.amount.append_value(r.amount_cents);
        self.ts.append_value(r.ts);
        self.score.append_value(r.score);
        self.note.append_value(&r.note);
        self.rows += 1;
    }

    fn batch(&mut self, schema: &SchemaRef) -> Res<RecordBatch> {
        self.rows = 0;
        let cols: Vec<ArrayRef> = vec![
            Arc::new(self.id.finish()),
            Arc::new(self.user.finish()),
            Arc::new(self.city.finish()),
            Arc::new(self.amount.finish()),
            Arc::new(self.ts.finish()),
            Arc::new(self.score.finish()),
            Arc::new(self.note.finish()),
        ];
        Ok(RecordBatch::try_new(schema.clone(), cols)?)
    }
}

/// The hand-written CSV -> Parquet of one split, in batches of 16Ki rows (as
/// `save_as_parquet`). Returns (rows, sum of amounts).
fn hand_write(
    path: &Path,
    headers: &csv::StringRecord,
    split: (u64, u64),
    out: &Path,
) -> Res<(u64, u64)> {
    let schema = hand_schema();
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let file = BufWriter::with_capacity(1 << 16, File::create(out)?);
    let mut w = ArrowWriter::try_new(file, schema.clone(), Some(props))?;
    let mut cols = Columns::default();
    let (mut n, mut sum) = (0u64, 0u64);
    let mut failed = None;
    hand_read(path, headers, split, |r| {
        n += 1;
        sum += r.amount_cents;
        cols.push(r);
        if cols.rows == 1 << 14
            && let Err(e) = cols.batch(&schema).and_then(|b| Ok(w.write(&b)?))
        {
            failed.get_or_insert(e);
        }
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    if cols.rows > 0 {
        w.write(&cols.batch(&schema)?)?;
    }
    w.into_inner()?.flush()?;
    Ok((n, sum))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> Res<()> {
    let mut args = std::env::args().skip(1);
    let threads = rayon::current_num_threads();
    let (mut rows, mut reps, mut parts) = (1_000_000u64, 5usize, 4 * threads);
    while let Some(a) = args.next() {
        let mut value = || args.next().ok_or(format!("{a} needs a value"));
        match a.as_str() {
            "--rows" => rows = value()?.parse()?,
            "--reps" => reps = value()?.parse()?,
            "--parts" => parts = value()?.parse()?,
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let tmp = tempfile::tempdir()?;
    let csv_path = tmp.path().join("rows.csv");
    write_data(&csv_path, rows)?;
    let mb = std::fs::metadata(&csv_path)?.len() as f64 / 1e6;
    println!("{rows} rows, {mb:.1} MB of CSV, {parts} splits, {threads} threads, {reps} runs");

    let ctx = Context::builder().threads(threads).build()?;
    let expected: u64 = {
        let (headers, splits) = hand_splits(&csv_path, 1)?;
        let mut s = 0;
        hand_read(&csv_path, &headers, splits[0], |r| s += r.amount_cents)?;
        s
    };

    let mut times: [Vec<Duration>; 4] = Default::default();
    // Building the `csv_file` node alone: the split planning that the read's time includes.
    let mut planning = Vec::new();
    for rep in 0..reps {
        let t = Instant::now();
        let node = ReadCsv::new(&ctx, csv_path.clone(), parts)?;
        planning.push(t.elapsed());
        assert!(node.rows.num_partitions() >= parts);
        drop(node);
        // Alternate which side goes first, so drift in the machine's load hits both.
        for side in if rep % 2 == 0 { [0, 1] } else { [1, 0] } {
            let t = Instant::now();
            let sum: u64 = if side == 0 {
                ReadCsv::new(&ctx, csv_path.clone(), parts)?.amounts.sum()?
            } else {
                let (headers, splits) = hand_splits(&csv_path, parts)?;
                splits
                    .par_iter()
                    .map(|&s| {
                        let mut sum = 0;
                        hand_read(&csv_path, &headers, s, |r| sum += r.amount_cents)
                            .map(|()| sum)
                            .map_err(|e| e.to_string())
                    })
                    .collect::<Result<Vec<u64>, String>>()?
                    .into_iter()
                    .sum()
            };
            times[side].push(t.elapsed());
            assert_eq!(sum, expected, "read side {side}");
        }
        for side in if rep % 2 == 0 { [2, 3] } else { [3, 2] } {
            let out = tmp.path().join(format!("out-{rep}-{side}"));
            let t = Instant::now();
            if side == 2 {
                ReadCsv::new(&ctx, csv_path.clone(), parts)?
                    .rows
                    .save_as_parquet(&out)?;
            } else {
                std::fs::create_dir(&out)?;
                let (headers, splits) = hand_splits(&csv_path, parts)?;
                let done: Vec<(u64, u64)> = splits
                    .par_iter()
                    .enumerate()
                    .map(|(i, &s)| {
                        hand_write(
                            &csv_path,
                            &headers,
                            s,
                            &out.join(format!("part-{i:05}.parquet")),
                        )
                        .map_err(|e| e.to_string())
                    })
                    .collect::<Result<_, _>>()?;
                let (n, sum) = done.iter().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
                assert_eq!((n, sum), (rows, expected), "hand-written parquet");
            }
            times[side].push(t.elapsed());
            // Both outputs read back by rddflow: the same rows.
            let back: u64 = ReadParquet::new(&ctx, out.clone())?.amounts.sum()?;
            assert_eq!(back, expected, "parquet side {side}");
            std::fs::remove_dir_all(&out)?;
        }
    }
    let m: Vec<Duration> = times.iter().map(|t| median(t.clone())).collect();
    let rate = |d: Duration| mb / d.as_secs_f64();
    println!("| step | rddflow | hand-written | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| CSV read into `Row` | {:.0} ms ({:.0} MB/s) | {:.0} ms ({:.0} MB/s) | {:.2}x |",
        m[0].as_secs_f64() * 1e3,
        rate(m[0]),
        m[1].as_secs_f64() * 1e3,
        rate(m[1]),
        m[0].as_secs_f64() / m[1].as_secs_f64()
    );
    println!(
        "| CSV read + Parquet write | {:.0} ms | {:.0} ms | {:.2}x |",
        m[2].as_secs_f64() * 1e3,
        m[3].as_secs_f64() * 1e3,
        m[2].as_secs_f64() / m[3].as_secs_f64()
    );
    println!(
        "split planning (`csv_file` node built, no job; part of the rddflow read): median {:.1} ms",
        median(planning.clone()).as_secs_f64() * 1e3
    );
    println!(
        "all runs (ms): {:?}",
        times.map(|t| t.iter().map(|d| d.as_millis()).collect::<Vec<_>>())
    );
    Ok(())
}
