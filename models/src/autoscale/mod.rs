//! Autoscaling over time: the Horizontal Pod Autoscaler's replica calculation and behaviour
//! ([`hpa`]) and the cluster autoscaler's scale-up estimate and scale-down rule
//! ([`cluster_autoscaler`]), each as Kubernetes' controller computes it. The time-stepped fleet
//! simulation that drives them over a day or a month (load per service, readiness delays,
//! provisioning delays, node-hours per mode) builds on these and on the incremental scheduler.

pub mod cluster_autoscaler;
pub mod hpa;
