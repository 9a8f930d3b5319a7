//! A small ETL job on bundled CSV files (`examples/data/etl/`): transactions are read with
//! `csv_file` (quoted fields with commas, quotes and newlines included), joined with their
//! stores (`join`) into flat enriched rows, and aggregated into revenue per store
//! (`reduce_by_key`). The enriched rows are written as Parquet (`save_as_parquet`, with the
//! cargo feature `parquet`) and the per-store summary as gzip-compressed JSON lines; both are
//! read back (`parquet_file`, `json_lines`) and checked against a plain single-threaded
//! computation over the same files. A mismatch exits with a non-zero status.
//!
//! ```sh
//! cargo run --release --features parquet --example etl
//! cargo run --release --example etl   # without the feature: JSON lines only
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rddflow::prelude::*;
use rddflow::{Compression, SaveOptions};
use serde::{Deserialize, Serialize};

/// One row of `transactions.csv`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Txn {
    /// Transaction number.
    pub txn_id: u64,
    /// The store (may be missing from `stores.csv`).
    pub store_id: u32,
    /// Product code.
    pub sku: String,
    /// Units sold.
    pub quantity: u32,
    /// Price of one unit, in cents.
    pub unit_cents: u64,
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Free text; empty when there is none.
    pub note: String,
}

/// One row of `stores.csv`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Store {
    /// Store id.
    pub store_id: u32,
    /// Store name.
    pub name: String,
    /// City.
    pub city: String,
    /// Region.
    pub region: String,
}

/// A transaction with its store's attributes: the Parquet output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Enriched {
    /// Transaction number.
    pub txn_id: u64,
    /// Day of the sale.
    pub day: String,
    /// Store id.
    pub store_id: u32,
    /// Store name.
    pub store: String,
    /// Region of the store.
    pub region: String,
    /// Product code.
    pub sku: String,
    /// `quantity * unit_cents`.
    pub revenue_cents: u64,
    /// The note, `None` when empty.
    pub note: Option<String>,
}

/// Totals of one store: the JSON lines output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoreTotal {
    /// Store id.
    pub store_id: u32,
    /// Store name.
    pub name: String,
    /// Region.
    pub region: String,
    /// Number of transactions.
    pub transactions: u64,
    /// Units sold.
    pub units: u64,
    /// Revenue, in cents.
    pub revenue_cents: u64,
}

fn enrich(t: Txn, s: &Store) -> Enriched {
    Enriched {
        txn_id: t.txn_id,
        day: t.day,
        store_id: t.store_id,
        store: s.name.clone(),
        region: s.region.clone(),
        sku: t.sku,
        revenue_cents: u64::from(t.quantity) * t.unit_cents,
        note: (!t.note.is_empty()).then_some(t.note),
    }
}

/// `(transactions, units, revenue)`, added up.
type Sums = (u64, u64, u64);

fn add(a: Sums, b: Sums) -> Sums {
    (a.0 + b.0, a.1 + b.1, a.2 + b.2)
}

rddflow::pipeline! {
    /// Transactions joined with their stores, and totals per store.
    pub struct Etl(stores: PathBuf, txns: PathBuf) {
        txn_rows: Txn = csv_file(txns, 4);
        store_rows: Store = csv_file(stores);
        by_store: (u32, Txn) = txn_rows.map(|t| (t.store_id, t));
        stores_by_id: (u32, Store) = store_rows.map(|s| (s.store_id, s));
        /// Transactions of known stores with their store (the inner join drops the others).
        #[cache]
        joined: (u32, (Txn, Store)) = by_store.join(stores_by_id);
        /// One flat row per transaction.
        enriched: Enriched = joined.map(|(_, (t, s))| enrich(t, &s));
        sums: (u32, Sums) = joined.map(|(id, (t, _))| {
            (id, (1, u64::from(t.quantity), u64::from(t.quantity) * t.unit_cents))
        });
        store_sums: (u32, Sums) = sums.reduce_by_key(add);
        named_sums: (u32, (Sums, Store)) = store_sums.join(stores_by_id);
        /// Totals per store, with its name and region.
        totals: StoreTotal = named_sums.map(|(id, ((n, units, cents), s))| {
            StoreTotal {
                store_id: id,
                name: s.name,
                region: s.region,
                transactions: n,
                units,
                revenue_cents: cents,
            }
        });
    }

    /// The JSON lines output read back.
    pub struct ReadTotals(dir: PathBuf) {
        rows: StoreTotal = json_lines(dir);
    }
}

#[cfg(feature = "parquet")]
rddflow::pipeline! {
    /// The Parquet output read back, with only the columns of a narrower type.
    pub struct ReadEnriched(dir: PathBuf) {
        rows: Enriched = parquet_file(dir);
        revenue_rows: Revenue = parquet_file(dir);
        revenue: (u64, u64) = revenue_rows.map(|r| (r.txn_id, r.revenue_cents));
    }
}

#[cfg(not(feature = "parquet"))]
rddflow::pipeline! {
    /// The enriched rows read back from JSON lines (without the feature `parquet`).
    pub struct ReadEnriched(dir: PathBuf) {
        rows: Enriched = json_lines(dir);
    }
}

/// Two of [`Enriched`]'s columns: reading them decodes only those (projection).
#[cfg(feature = "parquet")]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Revenue {
    /// Transaction number.
    pub txn_id: u64,
    /// Revenue, in cents.
    pub revenue_cents: u64,
}

/// The same job without rddflow: the csv crate, a hash join and a hash aggregation.
fn plain(stores: &Path, txns: &Path) -> Result<(Vec<Enriched>, Vec<StoreTotal>), csv::Error> {
    let stores: HashMap<u32, Store> = csv::Reader::from_path(stores)?
        .deserialize::<Store>()
        .map(|s| s.map(|s| (s.store_id, s)))
        .collect::<Result<_, _>>()?;
    let mut enriched = Vec::new();
    let mut sums: HashMap<u32, Sums> = HashMap::new();
    for t in csv::Reader::from_path(txns)?.deserialize::<Txn>() {
        let t = t?;
        let Some(s) = stores.get(&t.store_id) else {
            continue;
        };
        let q = u64::from(t.quantity);
        let e = sums.entry(t.store_id).or_default();
        *e = add(*e, (1, q, q * t.unit_cents));
        enriched.push(enrich(t, s));
    }
    let mut totals: Vec<StoreTotal> = sums
        .into_iter()
        .map(|(id, (n, units, cents))| StoreTotal {
            store_id: id,
            name: stores[&id].name.clone(),
            region: stores[&id].region.clone(),
            transactions: n,
            units,
            revenue_cents: cents,
        })
        .collect();
    enriched.sort_by_key(|e| e.txn_id);
    totals.sort_by_key(|t| t.store_id);
    Ok((enriched, totals))
}

/// Fails the example (non-zero exit) when `got` and `want` differ.
fn check<T: PartialEq>(what: &str, got: &[T], want: &[T]) -> Result<(), String> {
    if got == want {
        println!("  {what}: {} rows, as computed without rddflow", got.len());
        Ok(())
    } else {
        let first = got.iter().zip(want).position(|(a, b)| a != b);
        Err(format!(
            "{what}: {} rows read back, {} expected; first difference at {first:?}",
            got.len(),
            want.len()
        ))
    }
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok()?.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/etl");
    let (stores, txns) = (data.join("stores.csv"), data.join("transactions.csv"));
    let out = tempfile::tempdir()?;
    let ctx = Context::builder().build()?;
    let etl = Etl::new(&ctx, stores.clone(), txns.clone())?;

    let started = std::time::Instant::now();
    let totals_dir = out.path().join("totals");
    etl.totals.save_as_json_lines_with(
        &totals_dir,
        &SaveOptions::new().compression(Compression::Gzip),
    )?;
    println!(
        "wrote {} per-store totals as gzip JSON lines ({} bytes)",
        etl.store_sums.count()?,
        dir_size(&totals_dir)
    );
    #[cfg(feature = "parquet")]
    let enriched_dir = {
        let dir = out.path().join("enriched");
        etl.enriched.save_as_parquet(&dir)?;
        println!(
            "wrote the enriched transactions as Parquet ({} bytes, from {} bytes of CSV)",
            dir_size(&dir),
            std::fs::metadata(&txns)?.len()
        );
        dir
    };
    #[cfg(not(feature = "parquet"))]
    let enriched_dir = {
        let dir = out.path().join("enriched");
        etl.enriched.save_as_json_lines(&dir)?;
        println!(
            "wrote the enriched transactions as JSON lines ({} bytes); build with \
             `--features parquet` to write Parquet instead",
            dir_size(&dir)
        );
        dir
    };
    println!("job time: {:.2?}", started.elapsed());

    println!("reading the outputs back:");
    let (want_enriched, want_totals) = plain(&stores, &txns)?;
    let mut totals = ReadTotals::new(&ctx, totals_dir)?.rows.collect()?;
    totals.sort_by_key(|t| t.store_id);
    let mut verdict = check("store totals (JSON lines)", &totals, &want_totals);

    #[cfg(feature = "parquet")]
    let enriched = {
        let back = ReadEnriched::new(&ctx, enriched_dir)?;
        let mut revenue = back.revenue.collect()?;
        revenue.sort_unstable();
        let want: Vec<(u64, u64)> = want_enriched
            .iter()
            .map(|e| (e.txn_id, e.revenue_cents))
            .collect();
        verdict = verdict.and(check(
            "revenue columns (Parquet projection)",
            &revenue,
            &want,
        ));
        back.rows.collect()?
    };
    #[cfg(not(feature = "parquet"))]
    let enriched = ReadEnriched::new(&ctx, enriched_dir)?.rows.collect()?;
    let mut enriched = enriched;
    enriched.sort_by_key(|e| e.txn_id);
    verdict = verdict.and(check("enriched transactions", &enriched, &want_enriched));

    if let Err(e) = verdict {
        eprintln!("round trip mismatch: {e}");
        std::process::exit(1);
    }
    let top = want_totals
        .iter()
        .max_by_key(|t| t.revenue_cents)
        .expect("stores");
    println!(
        "top store: {} ({}, {}): {} transactions, {:.2} in revenue",
        top.name,
        top.region,
        top.store_id,
        top.transactions,
        top.revenue_cents as f64 / 100.0
    );
    Ok(())
}
