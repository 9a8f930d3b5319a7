use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Lengths(path: std::path::PathBuf) {
        lines: String = text_file(path);
        lengths: u64 = lines.map(|l| l.to_uppercase());
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Lengths::new(&ctx, "corpus.txt".into())?;
    println!("{}", pipeline.lengths.count()?);
    Ok(())
}
