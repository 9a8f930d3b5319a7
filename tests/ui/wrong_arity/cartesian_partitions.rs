use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Pairs(n: u64) {
        nums: u64 = range(0..n);
        others: u64 = range(0..n);
        product: (u64, u64) = nums.cartesian(others, 4);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Pairs::new(&ctx, 10)?;
    println!("{}", pipeline.product.count()?);
    Ok(())
}
