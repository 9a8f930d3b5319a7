use rddflow::prelude::*;

#[derive(Clone, Debug)]
pub struct Visit {
    pub page: u64,
    pub millis: u64,
}

rddflow::pipeline! {
    pub struct Visits(n: u64) {
        nums: u64 = range(0..n);
        visits: Visit = nums.map(|i| Visit { page: i % 7, millis: i });
        per_page: Visit = visits.reduce_by_key(|a, b| a + b);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Visits::new(&ctx, 10)?;
    println!("{}", pipeline.per_page.count()?);
    Ok(())
}
