use rddflow::prelude::*;

#[derive(Clone, Debug)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

rddflow::pipeline! {
    pub struct Points(n: u64) {
        nums: u64 = range(0..n);
        #[persist(memory_and_disk)]
        points: Point = nums.map(|i| Point { x: i as f64, y: 0.0 });
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Points::new(&ctx, 10)?;
    println!("{}", pipeline.points.count()?);
    Ok(())
}
