use rddflow::prelude::*;

rddflow::pipeline! {
    pub struct Lengths(lines: Vec<String>) {
        raw: String = parallelize(lines);
        lengths: usize = raw.map(|l: String| l.len());
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let p = Lengths::new(&ctx, vec!["ab".into()])?;
    let total: usize = p.lengths.iter().sum();
    let longest = p.lengths.into_iter().max();
    println!("{total} {longest:?}");
    Ok(())
}
