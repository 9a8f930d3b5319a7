use rddflow::prelude::*;

fn main() -> rddflow::Result<()> {
    let min_len = 4;
    let stop_words = vec!["the", "and"];

    rddflow::pipeline! {
        pub struct LongWords() {
            words: String = parallelize(vec!["the".to_string(), "river".to_string()]);
            long: String = words.filter(|w| w.len() >= min_len && !stop_words.contains(&w.as_str()));
        }
    }

    let ctx = Context::builder().build()?;
    println!("{}", LongWords::new(&ctx)?.long.count()?);
    Ok(())
}
