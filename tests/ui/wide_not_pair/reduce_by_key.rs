use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Sums(n: u64) {
        nums: u64 = range(0..n);
        sums: u64 = nums.reduce_by_key(|a, b| a + b);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Sums::new(&ctx, 10)?;
    println!("{}", pipeline.sums.count()?);
    Ok(())
}
