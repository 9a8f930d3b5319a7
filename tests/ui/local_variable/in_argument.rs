use rddflow::prelude::*;

fn main() -> rddflow::Result<()> {
    let n = 100;

    rddflow::pipeline! {
        pub struct Squares() {
            nums: u64 = range(0..n);
            squares: u64 = nums.map(|x| x * x);
        }
    }

    let ctx = Context::builder().build()?;
    println!("{}", Squares::new(&ctx)?.squares.count()?);
    Ok(())
}
