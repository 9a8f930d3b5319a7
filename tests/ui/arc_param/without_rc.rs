use std::sync::Arc;

use rddflow::prelude::*;

/// `serde::Serialize`, but serde's `rc` feature is off, so `Arc<Settings>` is not.
#[derive(serde::Serialize)]
struct Settings {
    factor: u64,
}

rddflow::pipeline! {
    pub struct Scale(n: u64, settings: Arc<Settings>) {
        nums: u64 = range(0..n);
        scaled: u64 = nums.map(|x| x * settings.factor);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let p = Scale::new(&ctx, 10, Arc::new(Settings { factor: 2 }))?;
    println!("{}", p.scaled.count()?);
    Ok(())
}
