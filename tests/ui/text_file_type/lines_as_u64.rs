use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Numbers(path: std::path::PathBuf) {
        numbers: u64 = text_file(path);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Numbers::new(&ctx, "numbers.txt".into())?;
    println!("{}", pipeline.numbers.count()?);
    Ok(())
}
