//! Console progress bars: a deliberately slow job (each element of the map takes 60 ms, as a
//! slow parser or a remote call would) with `.progress(true)`, so each stage's bar shows up on
//! stderr while it runs, like Spark's `[Stage 1 reduce_by_key ...: 6/8 tasks]`. Bars are drawn
//! only when stderr is a terminal; redirected, the program prints its result alone.
//!
//! ```sh
//! cargo run --example progress
//! ```

use std::time::Duration;

use rddflow::prelude::*;

rddflow::pipeline! {
    /// Sums by residue, after a slow map.
    pub struct Slow() {
        nums: u64 = range(0..48, 8);
        keyed: (u64, u64) = nums.map(|x| {
            std::thread::sleep(Duration::from_millis(60));
            (x % 4, x)
        });
        sums: (u64, u64) = keyed.reduce_by_key(|a, b| a + b, 8);
    }
}

fn main() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).progress(true).build()?;
    let p = Slow::new(&ctx)?;
    let mut sums = p.sums.collect()?;
    sums.sort();
    assert_eq!(
        sums.iter().map(|(_, s)| s).sum::<u64>(),
        (0..48u64).sum::<u64>()
    );
    println!("sums by residue: {sums:?}");
    Ok(())
}
