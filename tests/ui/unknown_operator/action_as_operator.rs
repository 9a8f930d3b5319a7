use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Largest(n: u64) {
        nums: u64 = range(0..n);
        largest: u64 = nums.top(10);
        pairs: (u64, u64) = nums.map(|x| (x % 10, x));
        map: (u64, u64) = pairs.collectAsMap();
        kept: u64 = nums.cache();
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Largest::new(&ctx, 10)?;
    println!("{}", pipeline.largest.count()?);
    Ok(())
}
