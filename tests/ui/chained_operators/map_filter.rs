use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Squares(n: u64) {
        nums: u64 = range(0..n);
        even_squares: u64 = nums.map(|x| x * x).filter(|x| x % 2 == 0);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Squares::new(&ctx, 10)?;
    println!("{}", pipeline.even_squares.count()?);
    Ok(())
}
