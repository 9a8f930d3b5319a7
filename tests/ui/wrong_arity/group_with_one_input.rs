use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Groups(n: u64) {
        nums: u64 = range(0..n);
        pairs: (u64, u64) = nums.map(|x| (x, x));
        more: (u64, u64) = pairs.map_values(|v| v + 1);
        all: (u64, (Vec<u64>, Vec<u64>)) = pairs.group_with(more);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Groups::new(&ctx, 10)?;
    println!("{}", pipeline.all.count()?);
    Ok(())
}
