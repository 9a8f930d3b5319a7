//! A long linear chain compiles without raising `recursion_limit`, in bounded time and memory,
//! and runs. Guards three fixes: parents are stored type-erased (shallow auto-trait and drop
//! checks); operator closures do not repeat the input iterator's type (which doubled type
//! sizes per node); the macro cuts the fused iterator type every `FUSE_LIMIT` nodes.

use rddflow::prelude::*;

rddflow::pipeline! {
    struct Deep() {
        n0: u64 = range(0..100, 4);
        n1: u64 = n0.map(|x| x + 1);
        n2: u64 = n1.map(|x| x + 1);
        n3: u64 = n2.flat_map(|x| vec![x + 1]);
        n4: u64 = n3.map(|x| x + 1);
        n5: u64 = n4.map(|x| x + 1);
        n6: u64 = n5.map(|x| x + 1);
        n7: u64 = n6.map(|x| x + 1);
        n8: u64 = n7.map(|x| x + 1);
        n9: u64 = n8.flat_map(|x| vec![x + 1]);
        n10: u64 = n9.map(|x| x + 1);
        n11: u64 = n10.map(|x| x + 1);
        n12: u64 = n11.map(|x| x + 1);
        n13: u64 = n12.map(|x| x + 1);
        n14: u64 = n13.map(|x| x + 1);
        n15: u64 = n14.flat_map(|x| vec![x + 1]);
        n16: u64 = n15.map(|x| x + 1);
        n17: u64 = n16.map(|x| x + 1);
        n18: u64 = n17.map(|x| x + 1);
        n19: u64 = n18.map(|x| x + 1);
        n20: u64 = n19.map(|x| x + 1);
        n21: u64 = n20.flat_map(|x| vec![x + 1]);
        n22: u64 = n21.map(|x| x + 1);
        n23: u64 = n22.map(|x| x + 1);
        n24: u64 = n23.map(|x| x + 1);
        n25: u64 = n24.map(|x| x + 1);
        n26: u64 = n25.map(|x| x + 1);
        n27: u64 = n26.flat_map(|x| vec![x + 1]);
        n28: u64 = n27.map(|x| x + 1);
        n29: u64 = n28.map(|x| x + 1);
        n30: u64 = n29.map(|x| x + 1);
        n31: u64 = n30.map(|x| x + 1);
        n32: u64 = n31.map(|x| x + 1);
        n33: u64 = n32.flat_map(|x| vec![x + 1]);
        n34: u64 = n33.map(|x| x + 1);
        n35: u64 = n34.map(|x| x + 1);
        n36: u64 = n35.map(|x| x + 1);
        n37: u64 = n36.map(|x| x + 1);
        n38: u64 = n37.map(|x| x + 1);
        n39: u64 = n38.flat_map(|x| vec![x + 1]);
        n40: u64 = n39.map(|x| x + 1);
        n41: u64 = n40.map(|x| x + 1);
        n42: u64 = n41.map(|x| x + 1);
        n43: u64 = n42.map(|x| x + 1);
        n44: u64 = n43.map(|x| x + 1);
        n45: u64 = n44.flat_map(|x| vec![x + 1]);
        n46: u64 = n45.map(|x| x + 1);
        n47: u64 = n46.map(|x| x + 1);
        n48: u64 = n47.map(|x| x + 1);
        n49: u64 = n48.map(|x| x + 1);
        n50: u64 = n49.map(|x| x + 1);
        n51: u64 = n50.flat_map(|x| vec![x + 1]);
        n52: u64 = n51.map(|x| x + 1);
        n53: u64 = n52.map(|x| x + 1);
        n54: u64 = n53.map(|x| x + 1);
        n55: u64 = n54.map(|x| x + 1);
        n56: u64 = n55.map(|x| x + 1);
        n57: u64 = n56.flat_map(|x| vec![x + 1]);
        n58: u64 = n57.map(|x| x + 1);
        n59: u64 = n58.map(|x| x + 1);
        n60: u64 = n59.map(|x| x + 1);
        n61: u64 = n60.map(|x| x + 1);
        n62: u64 = n61.map(|x| x + 1);
        n63: u64 = n62.flat_map(|x| vec![x + 1]);
        n64: u64 = n63.map(|x| x + 1);
        n65: u64 = n64.map(|x| x + 1);
        n66: u64 = n65.map(|x| x + 1);
        n67: u64 = n66.map(|x| x + 1);
        n68: u64 = n67.map(|x| x + 1);
        n69: u64 = n68.flat_map(|x| vec![x + 1]);
        n70: u64 = n69.map(|x| x + 1);
        n71: u64 = n70.map(|x| x + 1);
        n72: u64 = n71.map(|x| x + 1);
        n73: u64 = n72.map(|x| x + 1);
        n74: u64 = n73.map(|x| x + 1);
        n75: u64 = n74.flat_map(|x| vec![x + 1]);
        n76: u64 = n75.map(|x| x + 1);
        n77: u64 = n76.map(|x| x + 1);
        n78: u64 = n77.map(|x| x + 1);
        n79: u64 = n78.map(|x| x + 1);
        n80: u64 = n79.map(|x| x + 1);
        n81: u64 = n80.flat_map(|x| vec![x + 1]);
        n82: u64 = n81.map(|x| x + 1);
        n83: u64 = n82.map(|x| x + 1);
        n84: u64 = n83.map(|x| x + 1);
        n85: u64 = n84.map(|x| x + 1);
        n86: u64 = n85.map(|x| x + 1);
        n87: u64 = n86.flat_map(|x| vec![x + 1]);
        n88: u64 = n87.map(|x| x + 1);
        n89: u64 = n88.map(|x| x + 1);
        n90: u64 = n89.map(|x| x + 1);
        n91: u64 = n90.map(|x| x + 1);
        n92: u64 = n91.map(|x| x + 1);
        n93: u64 = n92.flat_map(|x| vec![x + 1]);
        n94: u64 = n93.map(|x| x + 1);
        n95: u64 = n94.map(|x| x + 1);
        n96: u64 = n95.map(|x| x + 1);
        n97: u64 = n96.map(|x| x + 1);
        n98: u64 = n97.map(|x| x + 1);
        n99: u64 = n98.flat_map(|x| vec![x + 1]);
        n100: u64 = n99.map(|x| x + 1);
        n101: u64 = n100.map(|x| x + 1);
        n102: u64 = n101.map(|x| x + 1);
        n103: u64 = n102.map(|x| x + 1);
        n104: u64 = n103.map(|x| x + 1);
        n105: u64 = n104.flat_map(|x| vec![x + 1]);
        n106: u64 = n105.map(|x| x + 1);
        n107: u64 = n106.map(|x| x + 1);
        n108: u64 = n107.map(|x| x + 1);
        n109: u64 = n108.map(|x| x + 1);
        n110: u64 = n109.map(|x| x + 1);
        n111: u64 = n110.flat_map(|x| vec![x + 1]);
        n112: u64 = n111.map(|x| x + 1);
        n113: u64 = n112.map(|x| x + 1);
        n114: u64 = n113.map(|x| x + 1);
        n115: u64 = n114.map(|x| x + 1);
        n116: u64 = n115.map(|x| x + 1);
        n117: u64 = n116.flat_map(|x| vec![x + 1]);
        n118: u64 = n117.map(|x| x + 1);
        n119: u64 = n118.map(|x| x + 1);
        n120: u64 = n119.map(|x| x + 1);
    }
}

#[test]
fn a_120_node_chain_compiles_and_runs() -> rddflow::Result<()> {
    let ctx = Context::builder().threads(2).build()?;
    let d = Deep::new(&ctx)?;
    assert_eq!(d.n120.collect()?, (120..220).collect::<Vec<u64>>());
    assert_eq!(d.n120.lineage().lines().count(), 121);
    Ok(())
}
