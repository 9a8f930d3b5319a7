use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Indexed(n: u64) {
        nums: u64 = range(0..n, 4);
        // Spark's `mapPartitionsWithIndex` takes the index first: a one-argument closure is
        // the `map_partitions` shape.
        tagged: u64 = nums.map_partitions_with_index(|it| it);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Indexed::new(&ctx, 10)?;
    println!("{}", pipeline.tagged.count()?);
    Ok(())
}
