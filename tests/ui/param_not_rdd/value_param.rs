use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Scale(nums: Vec<u64>, factor: u64) {
        scaled: u64 = nums.map(|x| x * factor);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Scale::new(&ctx, vec![1, 2, 3], 2)?;
    println!("{}", pipeline.scaled.count()?);
    Ok(())
}
