use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Loop(n: u64) {
        nums: u64 = range(0..n);
        a: u64 = c.map(|x| x + 1);
        b: u64 = a.map(|x| x * 2);
        c: u64 = b.filter(|x| *x > 3);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Loop::new(&ctx, 10)?;
    println!("{}", pipeline.c.count()?);
    Ok(())
}
