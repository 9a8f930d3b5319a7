use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Ranged(n: u64) {
        nums: u64 = range(0..n);
        some: u64 = nums.filter_by_range(1, 5);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Ranged::new(&ctx, 10)?;
    println!("{}", pipeline.some.count()?);
    Ok(())
}
