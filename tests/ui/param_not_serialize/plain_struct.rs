use rddflow::prelude::*;

/// Not `serde::Serialize`: cannot be part of a checkpoint fingerprint.
#[derive(Clone)]
struct Settings {
    factor: u64,
}

rddflow::pipeline! {
    pub struct Scale(n: u64, settings: Settings) {
        nums: u64 = range(0..n);
        scaled: u64 = nums.map(|x| x * settings.factor);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let p = Scale::new(&ctx, 10, Settings { factor: 2 })?;
    println!("{}", p.scaled.count()?);
    Ok(())
}
