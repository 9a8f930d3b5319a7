use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Sorted(n: u64) {
        nums: u64 = range(0..n);
        pairs: (u64, u64) = nums.map(|x| (x % 3, x));
        sorted: (u64, u64) = pairs.repartition_and_sort_within_partitions();
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Sorted::new(&ctx, 10)?;
    println!("{}", pipeline.sorted.count()?);
    Ok(())
}
