//! Autoscaling over time: the Horizontal Pod Autoscaler's replica calculation and behaviour
//! ([`hpa`]) and the cluster autoscaler's scale-up estimate and scale-down rule
//! ([`cluster_autoscaler`]), each as Kubernetes' controller computes it; and [`fleet`], which
//! steps a fleet through time with both, on the incremental scheduler: load per workload,
//! readiness and provisioning delays, node agents on new nodes, drains, node-seconds and
//! pod-seconds; [`modes`] runs one fleet under several mesh modes (sidecar requests on every
//! pod and in the HPA's `Resource` average, node agents on every node).

pub mod cluster_autoscaler;
pub mod day;
pub mod fleet;
pub mod hpa;
pub mod modes;
pub mod windows;
