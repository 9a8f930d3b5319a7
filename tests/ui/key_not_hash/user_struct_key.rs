use rddflow::prelude::*;

#[derive(Clone, Debug, PartialEq)]
pub struct Cell {
    pub x: i64,
    pub y: i64,
}

rddflow::pipeline! {
    pub struct Grid(n: u64) {
        nums: u64 = range(0..n);
        cells: (Cell, u64) = nums.map(|i| (Cell { x: i as i64 % 3, y: i as i64 / 3 }, 1));
        counts: (Cell, u64) = cells.reduce_by_key(|a, b| a + b);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().build()?;
    let pipeline = Grid::new(&ctx, 10)?;
    println!("{}", pipeline.counts.count()?);
    Ok(())
}
