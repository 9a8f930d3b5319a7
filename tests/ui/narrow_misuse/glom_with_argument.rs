use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Glom(n: u64) {
        nums: u64 = range(0..n, 4);
        parts: Vec<u64> = nums.glom(2);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Glom::new(&ctx, 10)?;
    println!("{}", pipeline.parts.count()?);
    Ok(())
}
