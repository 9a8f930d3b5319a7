use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Nothing(n: u64) {}
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let _nothing = Nothing::new(&ctx, 10)?;
    Ok(())
}
