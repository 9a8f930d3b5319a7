use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Doubled(n: u64) {
        nums: u64 = range(0..n);
        doubled: u64 = nums.map_values(|v| v * 2);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Doubled::new(&ctx, 10)?;
    println!("{}", pipeline.doubled.count()?);
    Ok(())
}
