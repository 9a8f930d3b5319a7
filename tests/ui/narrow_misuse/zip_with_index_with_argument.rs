use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Indexed(n: u64) {
        nums: u64 = range(0..n);
        indexed: (u64, u64) = nums.zip_with_index(1);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Indexed::new(&ctx, 10)?;
    println!("{}", pipeline.indexed.count()?);
    Ok(())
}
