use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Squares(n: u64) {
        nums: u64 = range(0..n);
        #[chekpoint]
        squares: u64 = nums.map(|x| x * x);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Squares::new(&ctx, 10)?;
    println!("{}", pipeline.squares.count()?);
    Ok(())
}
