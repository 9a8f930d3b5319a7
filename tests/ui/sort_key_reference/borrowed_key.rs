use rddflow::prelude::*;

#[derive(Clone)]
struct Word {
    text: String,
    count: u64,
}

rddflow::pipeline! {
    pub struct Words(words: Vec<(String, u64)>) {
        raw: Word = parallelize(words.into_iter().map(|(text, count)| Word { text, count }).collect::<Vec<_>>());
        sorted: Word = raw.sort_by(|w: &Word| &w.text, true);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let p = Words::new(&ctx, vec![("a".into(), 1)])?;
    println!("{}", p.sorted.count()?);
    Ok(())
}

rddflow::pipeline! {
    pub struct Keyed(words: Vec<String>) {
        raw: String = parallelize(words);
        by_first: (String, String) = raw.key_by(|w: &String| w.as_str());
    }
}
