//! `linked_group(node, neighbor) OVER (PARTITION BY ...)`: connected components of a graph
//! given as rows of edges, for SQL that groups things by what links them (incidents from
//! anomalies and the evidence that ties them).
//!
//! Every row names a node and one neighbor of it. The nodes of a partition are the values of
//! `node`; an edge to a neighbor that is not a node of the partition is ignored (so a partition
//! can be a time window of a larger graph). Each row gets the smallest node of its node's
//! component: a label that is the same for every member and does not depend on row order.
//! Union-find over the partition's rows: linear in rows, no recursion in SQL.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::Result;
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{
    PartitionEvaluator, Signature, Volatility, WindowUDF, WindowUDFImpl,
};

/// `linked_group(node, neighbor)`, a window function.
pub fn linked_group_udwf() -> WindowUDF {
    WindowUDF::new_from_impl(LinkedGroup {
        signature: Signature::any(2, Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct LinkedGroup {
    signature: Signature,
}

impl WindowUDFImpl for LinkedGroup {
    fn name(&self) -> &str {
        "linked_group"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn partition_evaluator(
        &self,
        _args: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(LinkedGroupEvaluator))
    }

    fn field(&self, field_args: WindowUDFFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(Field::new(
            field_args.name(),
            DataType::Utf8,
            true,
        )))
    }
}

#[derive(Debug)]
struct LinkedGroupEvaluator;

impl PartitionEvaluator for LinkedGroupEvaluator {
    fn evaluate_all(&mut self, values: &[ArrayRef], num_rows: usize) -> Result<ArrayRef> {
        let nodes = cast(&values[0], &DataType::Utf8)?;
        let neighbors = cast(&values[1], &DataType::Utf8)?;
        let (nodes, neighbors) = (nodes.as_string::<i32>(), neighbors.as_string::<i32>());
        let labels = components((0..num_rows).map(|row| {
            (
                nodes.is_valid(row).then(|| nodes.value(row)),
                neighbors.is_valid(row).then(|| neighbors.value(row)),
            )
        }));
        let mut out = StringBuilder::with_capacity(num_rows, num_rows * 16);
        for row in 0..num_rows {
            match nodes
                .is_valid(row)
                .then(|| labels.get(nodes.value(row)))
                .flatten()
            {
                Some(label) => out.append_value(label),
                None => out.append_null(),
            }
        }
        Ok(Arc::new(out.finish()))
    }
}

/// The label (smallest member) of every node's component. Nodes are the `Some` firsts; a pair
/// whose second is not a node adds no edge.
fn components<'a>(
    edges: impl Iterator<Item = (Option<&'a str>, Option<&'a str>)> + Clone,
) -> HashMap<&'a str, &'a str> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut names: Vec<&str> = Vec::new();
    for (node, _) in edges.clone() {
        if let Some(node) = node {
            index.entry(node).or_insert_with(|| {
                names.push(node);
                names.len() - 1
            });
        }
    }
    let mut parent: Vec<usize> = (0..names.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (node, neighbor) in edges {
        let (Some(a), Some(b)) = (
            node.and_then(|n| index.get(n)),
            neighbor.and_then(|n| index.get(n)),
        ) else {
            continue;
        };
        let (ra, rb) = (root(&mut parent, *a), root(&mut parent, *b));
        if ra != rb {
            // The root is the smaller name, so a component's root is its label.
            if names[ra] < names[rb] {
                parent[rb] = ra;
            } else {
                parent[ra] = rb;
            }
        }
    }
    (0..names.len())
        .map(|i| (names[i], names[root(&mut parent, i)]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{RecordBatch, StringArray};
    use datafusion::prelude::SessionContext;

    #[test]
    fn components_join_through_any_path_and_ignore_outside_neighbors() {
        let edges = [
            ("d", Some("c")),
            ("c", Some("b")),
            ("b", None),
            ("a", Some("zz")), // zz is not a node: no edge
            ("e", Some("a")),
        ];
        let labels = components(edges.iter().map(|(n, m)| (Some(*n), *m)));
        assert_eq!(labels["d"], "b");
        assert_eq!(labels["c"], "b");
        assert_eq!(labels["b"], "b");
        assert_eq!(labels["e"], "a");
        assert_eq!(labels["a"], "a");
        assert!(!labels.contains_key("zz"));
    }

    #[tokio::test]
    async fn labels_rows_per_partition_in_sql() {
        let ctx = SessionContext::new();
        ctx.register_udwf(linked_group_udwf());
        let column = |v: Vec<Option<&str>>| Arc::new(StringArray::from(v)) as ArrayRef;
        let batch = RecordBatch::try_from_iter(vec![
            (
                "p",
                column(vec![Some("1"), Some("1"), Some("1"), Some("2"), Some("2")]),
            ),
            (
                "node",
                column(vec![Some("x"), Some("y"), Some("z"), Some("y"), Some("w")]),
            ),
            // y-x link within partition 1; partition 2's y links to x, which is not its node.
            (
                "neighbor",
                column(vec![None, Some("x"), None, Some("x"), Some("w")]),
            ),
        ])
        .unwrap();
        ctx.register_batch("edges", batch).unwrap();
        let batches = ctx
            .sql("SELECT p, node, linked_group(node, neighbor) OVER (PARTITION BY p) AS label FROM edges ORDER BY p, node")
            .await
            .unwrap()
            .collect()
            .await
            .unwrap();
        let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
            .unwrap()
            .to_string();
        let rows: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with("| ") && !l.contains("label"))
            .collect();
        assert_eq!(
            rows,
            [
                "| 1 | x    | x     |",
                "| 1 | y    | x     |",
                "| 1 | z    | z     |",
                "| 2 | w    | w     |",
                "| 2 | y    | y     |",
            ]
        );
    }
}
