use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Keys(n: u64) {
        nums: u64 = range(0..n);
        keys: u64 = nums.keys();
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Keys::new(&ctx, 10)?;
    println!("{}", pipeline.keys.count()?);
    Ok(())
}
