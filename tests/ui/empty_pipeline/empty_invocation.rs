rddflow::pipeline! {}

fn main() {}
