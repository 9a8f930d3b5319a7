use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Rest(n: u64) {
        nums: u64 = range(0..n);
        others: u64 = range(0..n);
        rest: u64 = nums.subtract_by_key(others);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Rest::new(&ctx, 10)?;
    println!("{}", pipeline.rest.count()?);
    Ok(())
}
