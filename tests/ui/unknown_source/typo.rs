use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Lines(path: std::path::PathBuf) {
        lines: String = text_fle(path);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Lines::new(&ctx, "corpus.txt".into())?;
    println!("{}", pipeline.lines.count()?);
    Ok(())
}
