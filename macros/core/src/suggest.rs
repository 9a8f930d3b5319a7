//! The hint of an `unknown operator` error: what a Spark user most likely meant. Spark's
//! camelCase names (`reduceByKey`, `sortBy`) are converted to snake_case and looked up among
//! the operators, then among the actions and node attributes (which are not operators: `top`
//! is called on the node handle, `cache` is an attribute); only then the closest spelling.

use crate::ops;

/// Spark names whose snake_case form is not rddflow's name.
const SPARK_ALIASES: &[(&str, &str)] = &[
    ("collect_as_map", "collect_map"),
    ("foreach", "for_each"),
    ("foreach_partition", "for_each_partition"),
    ("to_debug_string", "lineage"),
    ("get_num_partitions", "num_partitions"),
];

/// What `op`, applied to node `parent`, probably meant, as a clause for the error:
/// ` (did you mean `x`?)`, or a sentence after `;` when `op` names an action or a node
/// attribute. Empty when nothing fits.
pub(crate) fn operator_hint(op: &str, parent: &str) -> String {
    if ops::source(op).is_some() {
        return format!("; `{op}` is a source: write `{op}(..)` without a parent");
    }
    let snake = snake_case(op);
    let name = SPARK_ALIASES
        .iter()
        .find(|(spark, _)| *spark == snake)
        .map_or(snake.as_str(), |(_, ours)| ours);
    if name != op && ops::OPERATORS.iter().any(|o| o.name == name) {
        return format!(" (did you mean `{name}`?)");
    }
    if ops::ACTIONS.contains(&name) {
        return format!(
            "; `{name}` is an action, not an operator: call it on the node's handle after `new`, \
             e.g. `pipeline.{parent}.{name}(..)?`"
        );
    }
    if let Some((_, attr)) = ops::ATTRIBUTE_METHODS.iter().find(|(m, _)| *m == name) {
        return format!(
            "; `{name}` is not an operator: mark the node `{parent}` with `{attr}` (or call \
             `{name}` on its handle after `new`)"
        );
    }
    if name != op && ops::source(name).is_some() {
        return format!("; `{name}` is a source: write `{name}(..)` without a parent");
    }
    closest(name, ops::OPERATORS.iter().map(|o| o.name))
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// `reduceByKey` -> `reduce_by_key`; snake_case names are unchanged.
pub(crate) fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, ch) in name.char_indices() {
        if ch.is_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(ch.to_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

/// The closest name within a small edit distance.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.len() / 3).max(2);
    candidates
        .map(|c| (strsim::levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spark_names_lead_to_ours() {
        assert_eq!(snake_case("reduceByKey"), "reduce_by_key");
        assert_eq!(snake_case("map"), "map");
        assert_eq!(snake_case("sort_by"), "sort_by");
        assert_eq!(
            operator_hint("sortBy", "nums"),
            " (did you mean `sort_by`?)"
        );
        assert_eq!(
            operator_hint("reduceByKey", "nums"),
            " (did you mean `reduce_by_key`?)"
        );
        assert_eq!(
            operator_hint("mapPartitionsWithIndex", "nums"),
            " (did you mean `map_partitions_with_index`?)"
        );
        assert_eq!(
            operator_hint("flatMapValues", "nums"),
            " (did you mean `flat_map_values`?)"
        );
        assert!(operator_hint("collectAsMap", "nums").contains("`collect_map` is an action"));
        assert!(operator_hint("top", "nums").contains("`pipeline.nums.top(..)?`"));
        assert!(operator_hint("takeOrdered", "nums").contains("`take_ordered` is an action"));
        assert!(operator_hint("foreach", "nums").contains("`for_each` is an action"));
        assert!(operator_hint("cache", "nums").contains("`#[cache]`"));
        assert!(operator_hint("textFile", "nums").contains("`text_file` is a source"));
        assert_eq!(operator_hint("mapp", "nums"), " (did you mean `map`?)");
        assert_eq!(operator_hint("transmogrify", "nums"), "");
    }

    /// The action table names methods of the engine's `Dataset` (the saves of SPEC.md
    /// section 4 other than `save_as_text_file` may live with their sinks).
    #[test]
    fn every_listed_action_is_a_dataset_method() {
        let rdd = include_str!("../../../engine/src/rdd.rs");
        for a in ops::ACTIONS {
            let declared = rdd.contains(&format!("fn {a}(")) || rdd.contains(&format!("fn {a}<"));
            assert!(
                declared || (a.starts_with("save_as_") && *a != "save_as_text_file"),
                "`{a}` is not a Dataset method"
            );
        }
    }

    #[test]
    fn every_camel_case_operator_name_is_found() {
        for op in ops::OPERATORS {
            let camel: String = op
                .name
                .split('_')
                .enumerate()
                .map(|(i, w)| {
                    let mut c = w.chars();
                    match (i, c.next()) {
                        (0, Some(f)) => f.to_string() + c.as_str(),
                        (_, Some(f)) => f.to_uppercase().collect::<String>() + c.as_str(),
                        (_, None) => String::new(),
                    }
                })
                .collect();
            if camel != op.name {
                assert_eq!(
                    operator_hint(&camel, "nums"),
                    format!(" (did you mean `{}`?)", op.name)
                );
            }
        }
    }
}
