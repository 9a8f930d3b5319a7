//! The `pipeline!` procedural macro of rddflow. The macro itself (parse, validate, expand) lives
//! in the library crate `rddflow-macros-core`, where it can be tested and benchmarked without a
//! compiler; this crate only hands it the tokens.

#![warn(missing_docs)]

extern crate proc_macro;

/// (The macro is implemented in the `rddflow-macros-core` crate; the full reference is the
/// `rddflow::dsl` module.)
#[proc_macro]
pub fn pipeline(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    rddflow_macros_core::expand(input.into()).into()
}
