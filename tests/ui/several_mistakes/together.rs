use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Mess(path: std::path::PathBuf) {
        lines: String = text_file(path);
        #[cache(forever)]
        words: String = lnes.flat_map(|l| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>());
        lines: String = words.mapp(|w| w);
        ones = words.map(|w| (w, 1));
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Mess::new(&ctx, "corpus.txt".into())?;
    println!("{}", pipeline.words.count()?);
    Ok(())
}
