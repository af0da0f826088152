//! Typed ids: a node, a pool, a workload, a pod or a registered pod spec is never confused with
//! another index. Each is a `u32` newtype (fleets are bounded far below 2^32 items; see
//! `meshsim-scenarios`' limits), ordered and hashable, printed as its number.

use std::fmt;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            /// The id as an index into the vector it names an element of.
            #[inline]
            pub fn index(self) -> usize {
                self.0 as usize
            }

            /// The id of element `i`.
            ///
            /// # Panics
            /// If `i` does not fit in 32 bits (callers bound their inputs far below that).
            #[inline]
            pub fn from_index(i: usize) -> Self {
                $name(u32::try_from(i).expect("ids are bounded below 2^32"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id!(
    /// A node of the fleet: its position in the scheduler's node table.
    NodeId
);
id!(
    /// A node pool: its position in the cluster's pools.
    PoolId
);
id!(
    /// A workload: its position in the cluster's workloads.
    WorkloadId
);
id!(
    /// A pod bound by the scheduler (reused after the pod is released).
    PodId
);
id!(
    /// A pod spec registered with the scheduler.
    SpecId
);
