use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Counts(n: u64) {
        nums: u64 = range(0..n);
        pairs: (u64, u64) = nums.map(|x| (x % 10, x));
        sums: (u64, u64) = pairs.reduceByKey(|a, b| a + b);
        sorted: (u64, u64) = sums.sortBy(|kv| kv.1, false);
        tagged: u64 = nums.mapPartitionsWithIndex(|i, it| it.map(move |x| x + i as u64));
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Counts::new(&ctx, 10)?;
    println!("{}", pipeline.sorted.count()?);
    Ok(())
}
