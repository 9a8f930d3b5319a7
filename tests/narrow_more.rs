//! `keys`, `values`, `glom` and `map_partitions_with_index` against plain Rust over the same
//! partitions (`parallelize` splits like Spark's `slice`, which `glom` shows).

use proptest::prelude::*;
use rddflow::prelude::*;

rddflow::pipeline! {
    struct Narrow(v: Vec<(u8, i32)>, parts: usize) {
        pairs: (u8, i32) = parallelize(v, parts);
        keys: u8 = pairs.keys();
        values: i32 = pairs.values();
        glommed: Vec<(u8, i32)> = pairs.glom();
        indexed: (usize, i32) = pairs.map_partitions_with_index(|i, it| it.map(move |(_, x)| (i, x)));
        summed: (u8, i32) = pairs.reduce_by_key(|a, b| a + b, 3);
        summed_keys: u8 = summed.keys();
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn narrow_operators_match_plain_rust(
        v in proptest::collection::vec((0u8..10, -100i32..100), 0..60),
        parts in 1usize..6,
    ) {
        let ctx = Context::builder().threads(2).build().unwrap();
        let p = Narrow::new(&ctx, v.clone(), parts).unwrap();
        prop_assert_eq!(p.keys.collect().unwrap(), v.iter().map(|kv| kv.0).collect::<Vec<_>>());
        prop_assert_eq!(p.values.collect().unwrap(), v.iter().map(|kv| kv.1).collect::<Vec<_>>());

        // One Vec per partition, in order, concatenating to the input.
        let glommed = p.glommed.collect().unwrap();
        prop_assert_eq!(glommed.len(), parts);
        prop_assert_eq!(glommed.concat(), v.clone());
        let sizes: Vec<usize> = glommed.iter().map(Vec::len).collect();

        // Each element tagged with the index of the partition `glom` put it in.
        let want: Vec<(usize, i32)> = glommed
            .iter()
            .enumerate()
            .flat_map(|(i, part)| part.iter().map(move |kv| (i, kv.1)))
            .collect();
        prop_assert_eq!(p.indexed.collect().unwrap(), want);
        prop_assert_eq!(p.indexed.num_partitions(), parts);
        prop_assert_eq!(sizes.iter().sum::<usize>(), v.len());

        let mut keys = p.summed_keys.collect().unwrap();
        keys.sort();
        let mut distinct: Vec<u8> = v.iter().map(|kv| kv.0).collect();
        distinct.sort();
        distinct.dedup();
        prop_assert_eq!(keys, distinct);
    }
}

#[test]
fn keys_values_and_glom_drop_the_partitioner() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    let p = Narrow::new(&ctx, vec![(1, 2)], 2)?;
    assert!(p.summed.partitioner().is_some());
    assert_eq!(p.summed_keys.partitioner(), None);
    Ok(())
}

rddflow::pipeline! {
    struct Panics() {
        nums: u64 = range(0..20, 4);
        bad: u64 = nums.map_partitions_with_index(|i, it| {
            assert_ne!(i, 2, "partition two");
            it
        });
    }
}

#[test]
fn a_panicking_map_partitions_with_index_is_an_error_naming_the_node() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).task_max_failures(1).build()?;
    let p = Panics::new(&ctx)?;
    let text = p.bad.collect().unwrap_err().to_string();
    assert!(
        text.contains("`Panics.bad`") && text.contains("partition two"),
        "{text}"
    );
    assert_eq!(p.nums.count()?, 20);
    Ok(())
}
