use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Drawn(n: u64) {
        nums: u64 = range(0..n);
        drawn: u64 = nums.sample_with_replacement(0.5);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Drawn::new(&ctx, 10)?;
    println!("{}", pipeline.drawn.count()?);
    Ok(())
}
