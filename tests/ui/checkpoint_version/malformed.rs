use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Versions(n: u64) {
        nums: u64 = range(0..n);
        #[checkpoint(version = "x")]
        quoted: u64 = nums.map(|x| x + 1);
        #[checkpoint(version)]
        bare: u64 = nums.map(|x| x + 2);
        #[checkpoint(revision = 2)]
        unknown: u64 = nums.map(|x| x + 3);
        #[checkpoint(local, version = 2)]
        local: u64 = nums.map(|x| x + 4);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Versions::new(&ctx, 10)?;
    println!("{}", pipeline.local.count()?);
    Ok(())
}
