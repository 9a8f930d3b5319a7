use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Zipped(n: u64) {
        nums: u64 = range(0..n);
        zipped: (u64, u64) = nums.zip();
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Zipped::new(&ctx, 10)?;
    println!("{}", pipeline.zipped.count()?);
    Ok(())
}
