use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Words(path: std::path::PathBuf) {
        lines: String = text_file(path);
        words: String = lnes.flat_map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>());
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Words::new(&ctx, "corpus.txt".into())?;
    println!("{}", pipeline.words.count()?);
    Ok(())
}
