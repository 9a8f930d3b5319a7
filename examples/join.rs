//! Orders joined with customers, from two bundled CSV files (`examples/data/sales/`, parsed
//! with the `csv` crate and serde): total spent per customer (`reduce_by_key`), joined with the
//! customers (`join`), revenue per country (`reduce_by_key` again) ranked with `sort_by_key`,
//! and the best customers with `sort_by`. Every result is checked against a plain
//! single-threaded computation.
//!
//! ```sh
//! cargo run --release --example join
//! ```
//!
//! `--processes N` (cargo feature `cluster`) runs it on N processes of this program (cluster
//! mode, SPEC section 8): the same checks pass in every process, and each prints how many map
//! partitions it computed, the bytes it sent and its peak RSS.
//!
//! ```sh
//! cargo run --release --features cluster --example join -- --processes 3
//! ```

use std::cmp::Reverse;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use rddflow::prelude::*;

#[path = "support/processes.rs"]
mod processes;
use serde::{Deserialize, Serialize};

/// One line of `orders.csv`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Order {
    /// Order number.
    pub order_id: u64,
    /// The customer who placed it (may be missing from `customers.csv`).
    pub customer_id: u32,
    /// Amount in cents.
    pub amount_cents: u64,
    /// `YYYY-MM-DD`.
    pub date: String,
}

/// One line of `customers.csv`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Customer {
    /// Customer id.
    pub id: u32,
    /// Full name.
    pub name: String,
    /// Country.
    pub country: String,
}

/// A customer's id, name, country and total spent, in cents.
type Spender = (u32, (u64, (String, String)));

rddflow::pipeline! {
    /// Revenue per customer and per country.
    pub struct Sales(orders: Vec<Order>, customers: Vec<Customer>) {
        order_rows: Order = parallelize(orders, 4);
        customer_rows: Customer = parallelize(customers, 2);
        amounts: (u32, u64) = order_rows.map(|o| (o.customer_id, o.amount_cents));
        spent: (u32, u64) = amounts.reduce_by_key(|a, b| a + b);
        names: (u32, (String, String)) = customer_rows.map(|c| (c.id, (c.name, c.country)));
        /// Customers with their total; orders of unknown customers are dropped.
        spenders: (u32, (u64, (String, String))) = spent.join(names);
        by_country: (String, u64) = spenders.map(|(_, (cents, (_, country)))| (country, cents));
        country_totals: (String, u64) = by_country.reduce_by_key(|a, b| a + b);
        revenue_country: (u64, String) = country_totals.map(|(country, cents)| (cents, country));
        /// Countries by revenue, largest first.
        ranking: (u64, String) = revenue_country.sort_by_key(false, 3);
        /// Customers by total spent, largest first, then by id.
        best: (u32, (u64, (String, String))) = spenders.sort_by(|(id, (cents, _))| (Reverse(*cents), *id), true);
    }
}

/// The rows of a CSV file with a header, each deserialized by serde.
fn read_csv<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>, String> {
    let mut r = csv::Reader::from_path(path).map_err(|e| format!("{}: {e}", path.display()))?;
    r.deserialize()
        .collect::<Result<Vec<T>, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The same results computed plainly: `(countries by revenue, customers by total)`.
fn reference(orders: &[Order], customers: &[Customer]) -> (Vec<(u64, String)>, Vec<Spender>) {
    let mut spent: HashMap<u32, u64> = HashMap::new();
    for o in orders {
        *spent.entry(o.customer_id).or_default() += o.amount_cents;
    }
    let mut best = Vec::new();
    let mut countries: HashMap<String, u64> = HashMap::new();
    for c in customers {
        if let Some(&cents) = spent.get(&c.id) {
            best.push((c.id, (cents, (c.name.clone(), c.country.clone()))));
            *countries.entry(c.country.clone()).or_default() += cents;
        }
    }
    best.sort_by_key(|(id, (cents, _))| (Reverse(*cents), *id));
    let mut ranking: Vec<(u64, String)> = countries.into_iter().map(|(c, t)| (t, c)).collect();
    ranking.sort_by(|a, b| b.cmp(a));
    (ranking, best)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/sales");
    let orders: Vec<Order> = read_csv(&dir.join("orders.csv"))?;
    let customers: Vec<Customer> = read_csv(&dir.join("customers.csv"))?;
    println!("{} orders, {} customers", orders.len(), customers.len());
    let (want_ranking, want_best) = reference(&orders, &customers);

    let n = processes::processes("join")?;
    let tasks = Arc::new(processes::MapTasks::default());
    let b = Context::builder().listener(tasks.clone());
    #[cfg(feature = "cluster")]
    let b = if n > 1 { b.processes(n) } else { b };
    // Without the feature `processes` accepted no count but 1.
    #[cfg(not(feature = "cluster"))]
    let _ = n;
    let ctx = b.build()?;
    let start = Instant::now();
    let sales = Sales::new(&ctx, orders, customers)?;
    let ranking = sales.ranking.collect()?;
    // Equal revenues could come in either order: compare the revenues, then the pairs.
    let revenues = |r: &[(u64, String)]| r.iter().map(|(t, _)| *t).collect::<Vec<_>>();
    assert_eq!(revenues(&ranking), revenues(&want_ranking));
    let mut sorted = ranking.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(sorted, want_ranking);
    let best = sales.best.collect()?;
    assert_eq!(best, want_best);
    let elapsed = start.elapsed();
    processes::report(&ctx, &tasks, elapsed);
    if ctx.process_index() > 0 {
        return Ok(());
    }

    println!("\nrevenue per country:");
    for (cents, country) in &ranking {
        println!("  {country:<10} {:>12.2}", *cents as f64 / 100.0);
    }
    println!("\nbest customers:");
    for (id, (cents, (name, country))) in best.iter().take(5) {
        println!(
            "  #{id:<4} {name:<24} {country:<10} {:>10.2}",
            *cents as f64 / 100.0
        );
    }
    println!("\n{}", sales.best.lineage());
    println!("checked against the plain computation: ok");
    Ok(())
}
